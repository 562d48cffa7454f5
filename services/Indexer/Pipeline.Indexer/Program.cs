using Pipeline.Indexer;
using Pipeline.ServiceDefaults;

var app = PipelineHost.Build(args, new IndexerModule());
app.Run();
