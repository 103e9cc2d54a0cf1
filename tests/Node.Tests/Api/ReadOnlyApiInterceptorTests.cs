using ShanghaiChain.Node.Api;

namespace ShanghaiChain.Node.Tests.Api;

/// <summary>`inspect` serves reads only: every method of the application services is judged by name, an allow-list.</summary>
public sealed class ReadOnlyApiInterceptorTests
{
    [Theory]
    [InlineData("/shanghaichain.v1.ChainService/GetStatus")]
    [InlineData("/shanghaichain.v1.ChainService/GetBlock")]
    [InlineData("/shanghaichain.v1.ChainService/ListValidators")]
    [InlineData("/shanghaichain.v1.ChainService/SubscribeBlocks")]
    [InlineData("/shanghaichain.v1.ChainService/WaitForReceipt")]
    [InlineData("/shanghaichain.v1.ChainService/Call")]
    [InlineData("/shanghaichain.v1.ChainService/EstimateGas")]
    [InlineData("/shanghaichain.v1.GovernanceService/ListProposals")]
    [InlineData("/grpc.health.v1.Health/Check")]
    [InlineData("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")]
    public void Reads_health_and_reflection_are_served(string method) => Assert.True(ReadOnlyApiInterceptor.Allows(method));

    [Theory]
    [InlineData("/shanghaichain.v1.ChainService/SubmitTransaction")]
    [InlineData("/shanghaichain.v1.ChainService/SubmitTransactions")]
    [InlineData("/shanghaichain.v1.ChainService/StreamTransactions")]
    [InlineData("/shanghaichain.v1.GovernanceService/Vote")]
    [InlineData("/shanghaichain.v1.ChainService/SomethingAddedLater")]
    public void Writes_and_unknown_methods_of_the_application_services_are_refused(string method) =>
        Assert.False(ReadOnlyApiInterceptor.Allows(method));
}
