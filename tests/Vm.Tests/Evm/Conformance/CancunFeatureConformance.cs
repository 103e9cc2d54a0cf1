namespace ShanghaiChain.Vm.Tests.Evm.Conformance;

/// <summary>
/// The GeneralStateTests folders for the Shanghai and Cancun features (PUSH0, init-code metering, warm coinbase,
/// transient storage, MCOPY); blob-transaction cases are reported as skipped, every other case must match.
/// </summary>
public class CancunFeatureConformance
{
    public static IEnumerable<object[]> ShanghaiFiles => StateTestHarness.FilesUnder("Shanghai");

    public static IEnumerable<object[]> CancunFiles => StateTestHarness.FilesUnder("Cancun");

    [Theory]
    [MemberData(nameof(ShanghaiFiles))]
    public void Shanghai_case_matches_the_expected_post_state(string file) => StateTestHarness.AssertAllPass(file);

    [Theory]
    [MemberData(nameof(CancunFiles))]
    public void Cancun_case_matches_the_expected_post_state(string file) => StateTestHarness.AssertAllPassOrSkipped(file);
}
