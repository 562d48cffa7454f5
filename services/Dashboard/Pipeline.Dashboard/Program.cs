using Pipeline.Dashboard;
using Pipeline.ServiceDefaults;

// The dashboard process hosts the run ledger's consumer: exactly one process may.
var app = PipelineHost.Build(args, new DashboardModule(), new LedgerModule());
app.Run();
