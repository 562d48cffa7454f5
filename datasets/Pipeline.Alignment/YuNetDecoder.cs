namespace Pipeline.Alignment;

/// <summary>
/// Turns YuNet's per-stride outputs into faces, as its reference decoder does: one anchor per cell in
/// row-major order; score = sqrt(cls x obj); box centre (col + dx, row + dy) x stride, size exp(dw, dh) x
/// stride; landmark k at (col + kx, row + ky) x stride; then greedy non-maximum suppression.
/// Coordinates are those of the network input.
/// </summary>
internal static class YuNetDecoder
{
    public static readonly int[] Strides = [8, 16, 32];

    /// <summary>Appends the cells of one stride scoring at least <paramref name="threshold"/> to <paramref name="faces"/>.</summary>
    /// <param name="cls">cols x rows scores; <paramref name="obj"/> likewise; <paramref name="bbox"/> 4 and <paramref name="kps"/> 10 per cell.</param>
    public static void DecodeStride(int stride, int cols, int rows, ReadOnlySpan<float> cls, ReadOnlySpan<float> obj,
        ReadOnlySpan<float> bbox, ReadOnlySpan<float> kps, float threshold, List<FaceDetection> faces)
    {
        int cells = cols * rows;
        if (cls.Length < cells || obj.Length < cells || bbox.Length < cells * 4 || kps.Length < cells * 10)
            throw new ArgumentException($"stride {stride}: outputs hold fewer than the {cells} cells of a {cols}x{rows} grid");
        for (int i = 0; i < cells; i++)
        {
            float score = MathF.Sqrt(Math.Clamp(cls[i], 0f, 1f) * Math.Clamp(obj[i], 0f, 1f));
            if (score < threshold) continue;
            int col = i % cols, row = i / cols;
            var b = bbox.Slice(i * 4, 4);
            float cx = (col + b[0]) * stride, cy = (row + b[1]) * stride;
            float w = MathF.Exp(b[2]) * stride, h = MathF.Exp(b[3]) * stride;
            var k = kps.Slice(i * 10, 10);
            var landmarks = new PointF[5];
            for (int n = 0; n < 5; n++) landmarks[n] = new PointF((col + k[2 * n]) * stride, (row + k[2 * n + 1]) * stride);
            faces.Add(new FaceDetection(new RectF(cx - w / 2, cy - h / 2, w, h), score, landmarks));
        }
    }

    /// <summary>Greedy NMS: best score first; a face overlapping a kept one by more than <paramref name="iou"/> is dropped.</summary>
    public static List<FaceDetection> Suppress(List<FaceDetection> faces, float iou)
    {
        var order = faces.OrderByDescending(f => f.Score).ToList();
        var kept = new List<FaceDetection>();
        foreach (var f in order)
            if (kept.TrueForAll(k => k.Box.IoU(f.Box) <= iou)) kept.Add(f);
        return kept;
    }
}
