namespace Pipeline.Face.Training;

/// <summary>insightface's PolyScheduler: linear warm-up to the base rate, then (1 - progress)^power decay to 0.</summary>
public sealed record LearningRateSchedule(double BaseRate, long WarmupSteps, long TotalSteps, double Power = 2.0)
{
    public double At(long step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return BaseRate * Math.Pow(Math.Max(0.0, 1.0 - progress), Power);
    }
}
