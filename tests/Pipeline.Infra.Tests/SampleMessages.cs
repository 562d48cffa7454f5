using System.Reflection;
using Pipeline.Contracts;

namespace Pipeline.Infra.Tests;

/// <summary>
/// A message of any contract type, built from its constructor with a plausible value for each field (records within
/// built the same way), so tests cover every type without naming one.
/// </summary>
public static class SampleMessages
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>A message of <paramref name="type"/> for <paramref name="runId"/> (a retrain request's key), about <paramref name="stage"/> where it names one.</summary>
    public static IRunMessage Of(Type type, string runId, string stage, RunPlan? plan = null) =>
        (IRunMessage)Build(type, p => p.Name switch
        {
            nameof(IRunMessage.RunId) or nameof(RetrainRequested.RequestId) => runId,
            nameof(IRunMessage.Stage) => stage,
            _ when p.ParameterType == typeof(RunPlan) => plan ?? RunPlan.Default,
            _ => null,
        });

    /// <summary>The constructor a record's fields come from (its widest public one).</summary>
    public static ConstructorInfo Constructor(Type type) =>
        type.GetConstructors().MaxBy(c => c.GetParameters().Length) ?? throw new ArgumentException($"{type.Name}: no public constructor");

    private static object Build(Type type, Func<ParameterInfo, object?> given) =>
        Constructor(type).Invoke(Constructor(type).GetParameters().Select(p => given(p) ?? Value(p)).ToArray());

    private static object? Value(ParameterInfo p) => p.ParameterType switch
    {
        _ when p.HasDefaultValue => p.DefaultValue,
        var t when t == typeof(string) => $"{p.Name}-1",
        var t when t == typeof(int) => 2,
        var t when t == typeof(long) => 3L,
        var t when t == typeof(double) => 0.5,
        var t when t == typeof(DateTimeOffset) => At,
        var t when t == typeof(RunPlan) => RunPlan.Default,
        var t when t.IsClass => Build(t, _ => null),
        var t => throw new NotSupportedException($"{p.Member.DeclaringType?.Name}.{p.Name}: no sample value for {t.Name}"),
    };
}
