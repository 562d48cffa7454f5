namespace Pipeline.Trainer;

/// <summary>
/// A job training again after its run diverged: which retry it is and the (halved) learning rate in force. Kept in
/// models/&lt;run&gt;/&lt;stage&gt;/attempt.json, so a job resumed after a kill trains on at this rate, the one its checkpoint holds.
/// </summary>
public sealed record DivergenceRetry(int Retry, double LearningRate, string Reason);
