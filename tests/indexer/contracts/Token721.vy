# pragma version ~=0.4.3
# A minimal ERC-721 for the ingestion tests: mint and transferFrom by the owner.

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    tokenId: indexed(uint256)

name: public(String[32])
symbol: public(String[32])
ownerOf: public(HashMap[uint256, address])


@deploy
def __init__():
    self.name = "Test Things"
    self.symbol = "THING"


@external
def mint(receiver: address, token_id: uint256):
    assert self.ownerOf[token_id] == empty(address), "minted"
    self.ownerOf[token_id] = receiver
    log Transfer(sender=empty(address), receiver=receiver, tokenId=token_id)


@external
def transferFrom(sender: address, receiver: address, token_id: uint256):
    assert self.ownerOf[token_id] == sender and sender == msg.sender, "not the owner"
    self.ownerOf[token_id] = receiver
    log Transfer(sender=sender, receiver=receiver, tokenId=token_id)
