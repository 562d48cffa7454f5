using Pipeline.ServiceDefaults;
using Pipeline.Trainer;

var app = PipelineHost.Build(args, new TrainerModule());
app.Run();
