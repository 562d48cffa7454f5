namespace Pipeline.Trainer;

/// <summary>
/// A job stopped at a checkpoint of its own accord, for a more urgent job; it is queued again and resumes from that
/// checkpoint, with the same result as if it had never stopped.
/// </summary>
public sealed class TrainingYielded(string runId, string stage) : Exception($"{runId}/{stage} yielded to a more urgent job");
