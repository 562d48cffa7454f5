using Pipeline.Purifier;
using Pipeline.ServiceDefaults;

var app = PipelineHost.Build(args, new PurifierModule());
app.Run();
