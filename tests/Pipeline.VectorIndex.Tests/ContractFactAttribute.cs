using Xunit.Abstractions;
using Xunit.Sdk;

namespace Pipeline.VectorIndex.Tests;

/// <summary>
/// A fact of the shared index contract. It is declared once on <see cref="VectorIndexContract"/> and
/// runs once per concrete test class; a class marked <see cref="RequiresEnvironmentAttribute"/> reports
/// its contract facts as skipped when the variable is missing (xunit 2 has no runtime skip).
/// </summary>
[XunitTestCaseDiscoverer("Pipeline.VectorIndex.Tests.ContractFactDiscoverer", "Pipeline.VectorIndex.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ContractFactAttribute : FactAttribute;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiresEnvironmentAttribute(string variable, string why) : Attribute
{
    public string Variable { get; } = variable;
    public string Why { get; } = why;

    public static string? SkipReason(Type testClass) =>
        testClass.GetCustomAttributes(typeof(RequiresEnvironmentAttribute), inherit: true)
            .Cast<RequiresEnvironmentAttribute>()
            .Where(a => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(a.Variable)))
            .Select(a => $"{a.Variable} not set: {a.Why}")
            .FirstOrDefault();
}

public sealed class ContractFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new ContractTestCase(diagnostics, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class ContractTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ContractTestCase() { }

    public ContractTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnostics, display, displayOptions, testMethod) { }

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        RequiresEnvironmentAttribute.SkipReason(TestMethod.TestClass.Class.ToRuntimeType()) ?? base.GetSkipReason(factAttribute);
}

/// <summary>A Qdrant-only fact: skipped, with the reason, when QDRANT_URL is not set.</summary>
public sealed class QdrantFactAttribute : FactAttribute
{
    public const string Variable = "QDRANT_URL";

    public QdrantFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"{Variable} not set: start Qdrant and export e.g. {Variable}=http://localhost:6334 (gRPC) to run";
    }
}
