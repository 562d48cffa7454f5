using SkiaSharp;

namespace Pipeline.Datasets;

/// <summary>Smooth closed or open curves through points (Catmull-Rom as cubic Béziers).</summary>
internal static class Spline
{
    public static SKPath Closed(IReadOnlyList<SKPoint> p, float tension = 1f)
    {
        var path = new SKPath();
        int n = p.Count;
        path.MoveTo(p[0]);
        for (int i = 0; i < n; i++)
            Segment(path, p[(i - 1 + n) % n], p[i], p[(i + 1) % n], p[(i + 2) % n], tension);
        path.Close();
        return path;
    }

    public static SKPath Open(IReadOnlyList<SKPoint> p, float tension = 1f)
    {
        var path = new SKPath();
        int n = p.Count;
        path.MoveTo(p[0]);
        for (int i = 0; i < n - 1; i++)
            Segment(path, p[Math.Max(0, i - 1)], p[i], p[i + 1], p[Math.Min(n - 1, i + 2)], tension);
        return path;
    }

    private static void Segment(SKPath path, SKPoint p0, SKPoint p1, SKPoint p2, SKPoint p3, float tension)
    {
        float k = tension / 6f;
        path.CubicTo(
            new SKPoint(p1.X + (p2.X - p0.X) * k, p1.Y + (p2.Y - p0.Y) * k),
            new SKPoint(p2.X - (p3.X - p1.X) * k, p2.Y - (p3.Y - p1.Y) * k),
            p2);
    }
}
