namespace Pipeline.Face.Purification;

/// <summary>
/// The share of a set whose labels are wrong, estimated by confident learning's rule (Northcutt et al., JAIR 2021) on the
/// class centers, without any threshold on the drop score: a class's confidence threshold is the mean cosine of its own
/// samples to its center; a sample is confidently another class when its nearest other class's center reaches that
/// class's threshold and beats its own class (nearer, or its own cosine under its class's threshold); a sample is counted
/// when some class is confident about it. The estimate is the confidently-other share of the counted samples (the
/// calibration that assumes the uncounted ones are like the counted), so a weak model that is confident about few samples
/// does not read as a clean set. Only the nearest other class is asked, not every class.
/// </summary>
public static class ConfidentJoint
{
    /// <summary>The estimated noise share, or null when no sample is counted or no sample has a nearest other class.</summary>
    /// <param name="angles">Each sample's angle to its class center and to the nearest other's (<see cref="ClassCenterAngles"/>).</param>
    /// <param name="labels">Each sample's class, 0 .. <paramref name="classes"/> - 1.</param>
    public static double? NoiseShare(ClassCenterAngles angles, IReadOnlyList<int> labels, int classes)
    {
        int n = labels.Count;
        if (angles.Own.Count != n || angles.NearestOther.Count != n) return null;
        var own = new double[n];
        var sum = new double[classes];
        var count = new int[classes];
        for (int i = 0; i < n; i++)
        {
            own[i] = Cos(angles.Own[i]);
            sum[labels[i]] += own[i];
            count[labels[i]]++;
        }
        var threshold = new double[classes];
        for (int c = 0; c < classes; c++) threshold[c] = count[c] > 0 ? sum[c] / count[c] : double.PositiveInfinity;

        int counted = 0, other = 0;
        for (int i = 0; i < n; i++)
        {
            int j = angles.NearestOtherClass[i];
            bool ownConfident = own[i] >= threshold[labels[i]];
            double otherCos = j < 0 ? double.NegativeInfinity : Cos(angles.NearestOther[i]);
            bool otherConfident = j >= 0 && otherCos >= threshold[j] && (otherCos > own[i] || !ownConfident);
            if (otherConfident) other++;
            if (otherConfident || ownConfident) counted++;
        }
        return counted == 0 ? null : (double)other / counted;
    }

    private static double Cos(double degrees) => Math.Cos(degrees * Math.PI / 180);
}
