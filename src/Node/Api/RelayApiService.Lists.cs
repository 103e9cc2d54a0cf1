using Grpc.Core;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// The lists behind `xchain clients` and `xchain channels`: pages of the contract's clients (in creation order, from its
/// client-id index) and channel ends (channel-0, channel-1, ...), each read from one state view so a page is of one
/// height. Validated here: the page size (1 to <see cref="MaxPage"/>, 0 meaning <see cref="DefaultPage"/>); a start
/// beyond the end gives an empty page.
/// </summary>
public sealed partial class RelayApiService
{
    private const uint DefaultPage = 100;
    private const uint MaxPage = 256;

    public override Task<ListRelayClientsResponse> ListRelayClients(ListRelayClientsRequest request, ServerCallContext context)
    {
        var limit = PageSize(request.Limit);
        using var view = HeadView();
        var headMs = TimeMsAt(view.Height);
        var total = CrossChainReader.ClientCount(view);
        var response = new ListRelayClientsResponse { Total = total, Height = view.Height, HeadTimestampMs = headMs };
        var index = request.StartIndex;
        for (; index < total && response.Clients.Count < limit; index++)
        {
            var id = CrossChainReader.ClientId(view, index)
                ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"the cross-chain contract counts {total} clients but has no id at index {index}");
            var client = CrossChainReader.Client(view, id)
                ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"client '{id}' is listed but not stored");
            response.Clients.Add(new RelayClientEntry { ClientId = id, Client = client, Status = StatusOf(client, headMs) });
        }
        response.NextIndex = Math.Min(index, total);
        return Task.FromResult(response);
    }

    public override Task<ListRelayChannelsResponse> ListRelayChannels(ListRelayChannelsRequest request, ServerCallContext context)
    {
        var limit = PageSize(request.Limit);
        using var view = HeadView();
        var total = CrossChainReader.ChannelCount(view);
        var response = new ListRelayChannelsResponse { Total = total, Height = view.Height };
        var index = request.StartIndex;
        for (; index < total && response.Channels.Count < limit; index++)
        {
            var id = "channel-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var (send, receive, acknowledge) = CrossChainReader.Sequences(view, id);
            response.Channels.Add(new RelayChannelEntry
            {
                ChannelId = id,
                Channel = CrossChainReader.Channel(view, id)
                    ?? throw ApiErrors.Create(StatusCode.Internal, "STORE_INCONSISTENT", $"the cross-chain contract counts {total} channels but has no record of '{id}'"),
                NextSend = send,
                NextReceive = receive,
                NextAcknowledge = acknowledge,
            });
        }
        response.NextIndex = Math.Min(index, total);
        return Task.FromResult(response);
    }

    private static int PageSize(uint limit) => limit switch
    {
        0 => (int)DefaultPage,
        > MaxPage => throw ApiErrors.InvalidArgument($"limit must be at most {MaxPage}, got {limit}"),
        _ => (int)limit,
    };
}
