namespace Pipeline.Contracts;

/// <summary>Every pipeline message: the run it belongs to, the run's plan, and the stage it is about.</summary>
public interface IRunMessage
{
    string RunId { get; }
    RunPlan Plan { get; }

    /// <summary>The stage the message reports on or commands (a name of <see cref="Stages"/>).</summary>
    string Stage { get; }
}

/// <summary>
/// A message the run ledger records, and what it says about its stage. Messages implement what they do not already
/// carry explicitly, so it stays out of their JSON.
/// </summary>
public interface IStageReport : IRunMessage
{
    /// <summary>Where the stage stands (a value of <see cref="StageStatus"/>).</summary>
    string Status { get; }

    DateTimeOffset At { get; }

    /// <summary>The dataset of the run, for the messages that name it.</summary>
    string? DatasetId => null;
}

/// <summary>The message types of the contracts, found once by their interface (so none is listed by hand).</summary>
public static class RunMessages
{
    /// <summary>Every concrete message type, by name.</summary>
    public static IReadOnlyList<Type> All { get; } = typeof(IRunMessage).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRunMessage).IsAssignableFrom(t))
        .OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

    /// <summary>The ones the run ledger records.</summary>
    public static IReadOnlyList<Type> Reported { get; } = All.Where(typeof(IStageReport).IsAssignableFrom).ToList();

    /// <summary>The message type of this name (as the ledger stores it), or null.</summary>
    public static Type? Named(string name) => All.FirstOrDefault(t => t.Name == name);
}
