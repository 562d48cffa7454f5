using Pipeline.Bench;

// Each benchmark is a class implementing IBenchmark in its own file; run `dotnet run -c Release
// --project bench/Pipeline.Bench -- <name> [args]`, or with no name to list them.
var benches = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && !t.IsAbstract)
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();
var chosen = args.Length > 0 ? benches.FirstOrDefault(b => b.Name == args[0]) : null;
if (chosen is null)
{
    Console.Error.WriteLine("usage: Pipeline.Bench <name> [args]");
    foreach (var b in benches) Console.Error.WriteLine($"  {b.Name,-12} {b.Description}");
    return args.Length == 0 ? 0 : 2;
}
return await chosen.RunAsync(args[1..]);

namespace Pipeline.Bench
{
    public interface IBenchmark
    {
        string Name { get; }
        string Description { get; }
        Task<int> RunAsync(string[] args);
    }
}
