# pragma version ~=0.4.3
# A non-standard token, as old mainnet ones are: bytes32 name and symbol (MKR-style), a
# decimals() that reverts, and a Transfer-topic log with nothing indexed (which is no transfer).

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

TRANSFER: constant(bytes32) = keccak256("Transfer(address,address,uint256)")


@external
@view
def name() -> bytes32:
    return 0x4f6464204d616b65720000000000000000000000000000000000000000000000  # "Odd Maker"


@external
@view
def symbol() -> bytes32:
    return 0x4f44440000000000000000000000000000000000000000000000000000000000  # "ODD"


@external
@view
def decimals() -> uint8:
    raise "no decimals here"


@external
def send(receiver: address, amount: uint256):
    log Transfer(sender=msg.sender, receiver=receiver, value=amount)


@external
def malformed(receiver: address, amount: uint256):
    raw_log([TRANSFER], concat(convert(msg.sender, bytes32), convert(receiver, bytes32), convert(amount, bytes32)))
