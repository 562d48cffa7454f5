namespace Pipeline.VectorIndex;

/// <summary>How search scans a collection; chosen when the collection is created and kept with it.</summary>
public enum VectorQuantization
{
    /// <summary>Every float32 vector is compared with the query (exact; the default).</summary>
    None = 0,

    /// <summary>
    /// One byte per dimension is compared first (a quarter of the memory to stream), and the best candidates,
    /// several per wanted hit, are re-scored exactly from float32: the scores returned are exact cosines.
    /// </summary>
    Int8 = 1,
}

/// <summary>Settings of quantised search shared by both index implementations.</summary>
public static class VectorQuantizationDefaults
{
    /// <summary>Candidates the compressed scan keeps per wanted hit, to be re-scored exactly.</summary>
    public const int Oversampling = 4;
}
