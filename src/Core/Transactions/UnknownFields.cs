namespace ShanghaiChain.V1;

// The generated protobuf classes keep fields this version does not know in _unknownFields. A transaction
// carrying any is refused at admission: every byte of a signed transaction must mean something to the node.
// (Explicitly encoded default values, which some encoders emit, are fine: they decode to the same message.)

public sealed partial class TransactionBody
{
    internal bool HasUnknownFields => _unknownFields is not null;
}

public sealed partial class SignedTransaction
{
    internal bool HasUnknownFields => _unknownFields is not null;
}
