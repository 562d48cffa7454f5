using Pipeline.Ingest;
using Pipeline.ServiceDefaults;

var app = PipelineHost.Build(args, new IngestModule());
app.Run();
