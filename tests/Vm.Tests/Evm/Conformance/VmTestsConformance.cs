namespace ShanghaiChain.Vm.Tests.Evm.Conformance;

/// <summary>The GeneralStateTests/VMTests folder, every case of every file, post-state root and logs checked.</summary>
public class VmTestsConformance
{
    public static IEnumerable<object[]> Files => StateTestHarness.FilesUnder("VMTests");

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_case_matches_the_expected_post_state(string file) => StateTestHarness.AssertAllPass(file);
}
