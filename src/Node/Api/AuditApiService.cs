using Grpc.Core;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// The regulator's API (audit_service.proto): the audit trail and the mempool's contents, for accounts holding the
/// regulator role in the governance record at the head. Validated here: the signed request (<see cref="SignedRequests"/>),
/// the role, page sizes and audit kinds; served only on a governed chain (the host maps it there).
/// </summary>
public sealed class AuditApiService(AuditLog audit, TransactionPool pool, IChainReader store, GenesisFile genesis, TimeProvider time)
    : AuditService.AuditServiceBase
{
    private const uint DefaultEvents = 100;
    private const uint MaxEvents = 1_000;
    private const uint DefaultPending = 1_000;
    private const uint MaxPending = 10_000;

    public override Task<ListAuditEventsResponse> ListAuditEvents(ListAuditEventsRequest request, ServerCallContext context)
    {
        RequireRegulator(context);
        if (request.Limit > MaxEvents)
        {
            throw ApiErrors.InvalidArgument($"limit {request.Limit} is above {MaxEvents}");
        }
        foreach (var kind in request.Kinds)
        {
            if (kind == AuditKind.Unspecified || !Enum.IsDefined(kind))
            {
                throw ApiErrors.InvalidArgument($"audit kind {(int)kind} is not one of audit.proto's kinds");
            }
        }
        var response = new ListAuditEventsResponse
        {
            LastSequence = audit.LastSequence,
            FirstSequence = audit.FirstSequence,
            AuditedHeight = audit.AuditedHeight,
        };
        response.Events.AddRange(audit.Read(request.AfterSequence, (int)(request.Limit == 0 ? DefaultEvents : request.Limit), [.. request.Kinds]));
        return Task.FromResult(response);
    }

    public override Task<ListPendingTransactionsResponse> ListPendingTransactions(ListPendingTransactionsRequest request, ServerCallContext context)
    {
        RequireRegulator(context);
        if (request.Limit > MaxPending)
        {
            throw ApiErrors.InvalidArgument($"limit {request.Limit} is above {MaxPending}");
        }
        var (transactions, total) = pool.List((int)(request.Limit == 0 ? DefaultPending : request.Limit));
        var response = new ListPendingTransactionsResponse { Total = (uint)total };
        response.Transactions.AddRange(transactions.Select(tx => new PendingTransaction
        {
            TxId = tx.Id.ToByteString(),
            Sender = tx.Sender.ToByteString(),
            Nonce = tx.Nonce,
            To = tx.To is { } to ? to.ToByteString() : Google.Protobuf.ByteString.Empty,
            GasLimit = tx.GasLimit,
            Size = (uint)tx.Size,
        }));
        return Task.FromResult(response);
    }

    /// <summary>The caller, when it signed the request and holds the regulator role at the head.</summary>
    private Address RequireRegulator(ServerCallContext context)
    {
        var account = SignedRequests.Authenticate(context, genesis.Suite, genesis.ChainId, time.GetUtcNow());
        if ((GovernanceReader.PermissionsOf(store, account) & Permission.Regulator) == 0)
        {
            throw ApiErrors.Create(StatusCode.PermissionDenied, "PERMISSION_DENIED", $"{account} does not hold the regulator role");
        }
        return account;
    }
}
