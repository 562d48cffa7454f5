using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.VectorIndex;

/// <summary>Naming rules shared by collections and aliases (safe as file names and as Qdrant names).</summary>
public static partial class CollectionNames
{
    /// <summary>The alias that search serves by default.</summary>
    public const string ServingAlias = "faces";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\z")] // \z, not $: $ also matches before a final newline
    private static partial Regex ValidName();

    public static void Validate(string name, string what = "collection")
    {
        if (name is null || !ValidName().IsMatch(name) || name.Contains(".."))
            throw new ArgumentException($"{what} name '{name}': use 1-128 of [A-Za-z0-9_.-], starting with a letter or digit");
    }

    /// <summary>The collection that holds one model version's embeddings, e.g. <c>faces-run42-k1</c>.</summary>
    public static string ForModel(string modelId)
    {
        var sb = new StringBuilder("faces-");
        foreach (var c in modelId)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_');
        var name = sb.ToString().Replace("..", "_.");
        return name.Length <= 128 ? name : name[..128];
    }
}
