namespace Pipeline.Alignment;

/// <summary>A point in image pixels (x right, y down; pixel centres at integer coordinates, as OpenCV).</summary>
public readonly record struct PointF(float X, float Y);

/// <summary>An axis-aligned box in image pixels.</summary>
public readonly record struct RectF(float X, float Y, float Width, float Height)
{
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);
    public PointF Centre => new(X + Width / 2, Y + Height / 2);

    /// <summary>Intersection over union (0 when either box is empty).</summary>
    public float IoU(RectF o)
    {
        float w = Math.Min(X + Width, o.X + o.Width) - Math.Max(X, o.X);
        float h = Math.Min(Y + Height, o.Y + o.Height) - Math.Max(Y, o.Y);
        if (w <= 0 || h <= 0) return 0;
        float inter = w * h;
        return inter / (Area + o.Area - inter);
    }
}

/// <summary>
/// One detected face: its box, the detector's score (sqrt(cls x obj)) and five landmarks in the
/// insightface order (eye, eye, nose tip, mouth corner, mouth corner; the first of each pair on the image's left).
/// </summary>
public sealed record FaceDetection(RectF Box, float Score, PointF[] Landmarks);
