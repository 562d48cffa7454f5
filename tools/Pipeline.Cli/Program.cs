using System.CommandLine;
using Pipeline.Cli.Commands;

var root = new RootCommand("pipeline: clean and index noisy face datasets with sub-center ArcFace");
root.Options.Add(CommonOptions.Verbose);
// One line per verb; each verb lives in Commands/<Verb>Command.cs.
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(PurifyCommand.Create());
root.Subcommands.Add(EmbedCommand.Create());
root.Subcommands.Add(SynthCommand.Create());
root.Subcommands.Add(DropCommand.Create());
root.Subcommands.Add(RunsCommand.Create());
root.Subcommands.Add(DashboardCommand.Create());
root.Subcommands.Add(ResumeCommand.Create());
root.Subcommands.Add(RetrainCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(InvertCommand.Create());
root.Subcommands.Add(IndexRepairCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
return await root.Parse(args).InvokeAsync();
