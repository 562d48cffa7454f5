using TorchSharp;

namespace Pipeline.Face.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void Work_threads_get_every_core_and_any_other_thread_one_so_it_makes_no_OpenMP_team()
    {
        TorchRuntime.ConfigureThreads();
        Assert.Equal(TorchRuntime.Threads, TorchRuntime.OnOwnThread(() => torch.get_num_threads()));

        int other = 0;
        var thread = new Thread(() => other = torch.get_num_threads());
        thread.Start();
        thread.Join();
        Assert.Equal(1, other); // a work thread's setting did not become the default new threads take

        // Work started from a work thread (an embedding between training epochs) leaves the caller's threads alone.
        Assert.Equal(TorchRuntime.Threads, TorchRuntime.OnOwnThread(() =>
        {
            TorchRuntime.OnOwnThread(() => torch.get_num_threads());
            return torch.get_num_threads();
        }));
    }

    [Fact]
    public void A_failure_on_the_work_thread_reaches_the_caller_with_its_type_and_message()
    {
        var e = Assert.Throws<InvalidDataException>(() => TorchRuntime.OnOwnThread<int>(() => throw new InvalidDataException("bad shard")));
        Assert.Equal("bad shard", e.Message);
    }
}
