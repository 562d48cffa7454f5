using static TorchSharp.torch;

namespace Pipeline.Face.Heads;

/// <summary>
/// The target-logit transform, on cosines. The margin carries gradient (the classic form of
/// the paper's equations, not the newest reference code's straight-through variant), so the
/// loss and its gradients are those of the written formula.
/// Monotonicity: where m1*theta + m2 would pass pi the target logit would turn back up; there
/// ArcFace uses the reference code's fallback cos(theta) - sin(pi - m)*m, and a general m1
/// continues linearly in cos(theta) from the boundary value -1.
/// </summary>
public static class MarginMath
{
    public static Tensor TargetLogit(Tensor cosine, MarginSpec m)
    {
        var c = cosine.clamp(-1.0, 1.0);
        Tensor target;
        if (m.M1 == 1.0 && m.M2 == 0.0)
        {
            target = c;
        }
        else if (m.M1 == 1.0)
        {
            // cos(theta + m) = cos*cos(m) - sin*sin(m); sin from cos keeps a usable gradient near |cos| = 1.
            var sin = (1.0 - c * c).clamp(1e-12, 1.0).sqrt();
            var phi = c * Math.Cos(m.M2) - sin * Math.Sin(m.M2);
            double th = Math.Cos(Math.PI - m.M2);
            double mm = Math.Sin(Math.PI - m.M2) * m.M2;
            target = where(c > th, phi, c - mm);
        }
        else
        {
            var theta = c.clamp(-1.0 + 1e-7, 1.0 - 1e-7).acos();
            var phi = (theta * m.M1 + m.M2).cos();
            double thetaLimit = (Math.PI - m.M2) / m.M1;
            double cosLimit = Math.Cos(thetaLimit);
            target = where(theta < thetaLimit, phi, c - cosLimit - 1.0);
        }
        return m.M3 == 0.0 ? target : target - m.M3;
    }
}
