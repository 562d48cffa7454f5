namespace Pipeline.Alignment;

/// <summary>
/// x' = A x - B y + Tx, y' = B x + A y + Ty: rotation, uniform scale and translation (no reflection or shear).
/// </summary>
public readonly record struct SimilarityTransform(double A, double B, double Tx, double Ty)
{
    public double Scale => Math.Sqrt(A * A + B * B);

    public PointF Apply(PointF p) => new((float)(A * p.X - B * p.Y + Tx), (float)(B * p.X + A * p.Y + Ty));

    /// <summary>The 2x3 matrix [[A, -B, Tx], [B, A, Ty]] (cv2.warpAffine's M).</summary>
    public double[,] Matrix => new[,] { { A, -B, Tx }, { B, A, Ty } };

    public SimilarityTransform Inverse()
    {
        double d = A * A + B * B;
        if (d == 0) throw new InvalidOperationException("a zero-scale transform has no inverse");
        double a = A / d, b = -B / d;
        return new SimilarityTransform(a, b, -(a * Tx - b * Ty), -(b * Tx + a * Ty));
    }

    /// <summary>
    /// The least-squares similarity taking <paramref name="src"/> onto <paramref name="dst"/> (Umeyama 1991, as
    /// skimage's SimilarityTransform.estimate and insightface's norm_crop). In 2-D the SVD of Umeyama's
    /// covariance reduces to this closed form over the demeaned points.
    /// </summary>
    public static SimilarityTransform Estimate(ReadOnlySpan<PointF> src, ReadOnlySpan<PointF> dst)
    {
        if (src.Length != dst.Length || src.Length < 2)
            throw new ArgumentException($"need two equally long point lists of at least 2 points, got {src.Length} and {dst.Length}");
        int n = src.Length;
        double sx = 0, sy = 0, dx = 0, dy = 0;
        for (int i = 0; i < n; i++) { sx += src[i].X; sy += src[i].Y; dx += dst[i].X; dy += dst[i].Y; }
        sx /= n; sy /= n; dx /= n; dy /= n;
        double dot = 0, cross = 0, norm = 0;
        for (int i = 0; i < n; i++)
        {
            double px = src[i].X - sx, py = src[i].Y - sy, qx = dst[i].X - dx, qy = dst[i].Y - dy;
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        if (norm == 0) throw new ArgumentException("the source points all coincide: no transform is defined");
        double a = dot / norm, b = cross / norm;
        return new SimilarityTransform(a, b, dx - (a * sx - b * sy), dy - (b * sx + a * sy));
    }
}
