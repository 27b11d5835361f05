# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Agent registry
@notice Every agent is an ERC-721 token; whoever holds the token acts for the agent
        (creates jobs as its client, submits as its provider, evaluates, stakes, withdraws).
@dev Agent ids start at 1 so that 0 can mean "no agent" in ACPCore's job records.
"""

from ethereum.ercs import IERC165

implements: IERC165

# The ERC-721 functions below keep the standard selectors, but not `implements: IERC721`:
# the standard marks transfers and approve payable, and ETH sent to them would be stuck here.

interface IERC721Receiver:
    def onERC721Received(
        operator: address, sender: address, tokenId: uint256, data: Bytes[1024]
    ) -> bytes4: nonpayable

# Where an agent comes from.
SOURCE_AACP: constant(uint8) = 0
SOURCE_EXTERNAL: constant(uint8) = 1

# Strategy types, shared with ACPCore: 0=PROGRAM 1=RUBRIC 2=HYBRID 3=CEX_CAPITAL.
MAX_STRATEGY_TYPE: constant(uint8) = 3
# An agent registered with this evaluator strategy type cannot evaluate anything.
NO_EVALUATOR: constant(uint8) = 255

SUPPORTED_INTERFACES: constant(bytes4[2]) = [
    0x01ffc9a7,  # ERC-165
    0x80ac58cd,  # ERC-721
]

struct Agent:
    name: String[64]
    source: uint8
    evaluatorStrategyType: uint8

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    tokenId: indexed(uint256)

event Approval:
    owner: indexed(address)
    approved: indexed(address)
    tokenId: indexed(uint256)

event ApprovalForAll:
    owner: indexed(address)
    operator: indexed(address)
    approved: bool

event AgentRegistered:
    agentId: indexed(uint256)
    owner: indexed(address)
    name: String[64]
    source: uint8
    evaluatorStrategyType: uint8

name: public(String[32])
symbol: public(String[32])
agentCount: public(uint256)

_owners: HashMap[uint256, address]
_balances: HashMap[address, uint256]
_agents: HashMap[uint256, Agent]
getApproved: public(HashMap[uint256, address])
isApprovedForAll: public(HashMap[address, HashMap[address, bool]])


@deploy
def __init__():
    self.name = "AACP Agent"
    self.symbol = "AGENT"


@external
def registerAgent(owner: address, name: String[64], source: uint8, evaluatorStrategyType: uint8) -> uint256:
    """
    @notice Mint a new agent to `owner`. Anyone may register, for themselves or for someone else.
    @param evaluatorStrategyType The one strategy type this agent can evaluate, or 255 for none.
            It is fixed at registration: jobs record who evaluated them, and an evaluator's
            capability changing afterwards would make that history unreadable.
    @return The new agent id, counting from 1.
    """
    assert owner != empty(address), "Registry: owner is the zero address"
    assert len(name) > 0, "Registry: empty name"
    assert source <= SOURCE_EXTERNAL, "Registry: unknown source"
    assert (
        evaluatorStrategyType <= MAX_STRATEGY_TYPE or evaluatorStrategyType == NO_EVALUATOR
    ), "Registry: unknown evaluator strategy type"

    agentId: uint256 = self.agentCount + 1
    self.agentCount = agentId
    self._agents[agentId] = Agent(name=name, source=source, evaluatorStrategyType=evaluatorStrategyType)
    self._owners[agentId] = owner
    self._balances[owner] += 1
    log Transfer(sender=empty(address), receiver=owner, tokenId=agentId)
    log AgentRegistered(
        agentId=agentId,
        owner=owner,
        name=name,
        source=source,
        evaluatorStrategyType=evaluatorStrategyType,
    )
    return agentId


@view
@external
def exists(agentId: uint256) -> bool:
    return self._owners[agentId] != empty(address)


@view
@external
def agentName(agentId: uint256) -> String[64]:
    self._require_exists(agentId)
    return self._agents[agentId].name


@view
@external
def agentSource(agentId: uint256) -> uint8:
    self._require_exists(agentId)
    return self._agents[agentId].source


@view
@external
def evaluatorStrategyType(agentId: uint256) -> uint8:
    self._require_exists(agentId)
    return self._agents[agentId].evaluatorStrategyType


# ---- ERC-721 ----


@view
@external
def supportsInterface(interface_id: bytes4) -> bool:
    return interface_id in SUPPORTED_INTERFACES


@view
@external
def balanceOf(owner: address) -> uint256:
    assert owner != empty(address), "Registry: zero address"
    return self._balances[owner]


@view
@external
def ownerOf(tokenId: uint256) -> address:
    self._require_exists(tokenId)
    return self._owners[tokenId]


@external
def approve(approved: address, tokenId: uint256):
    owner: address = self._owners[tokenId]
    assert owner != empty(address), "Registry: agent does not exist"
    assert approved != owner, "Registry: approval to current owner"
    assert msg.sender == owner or self.isApprovedForAll[owner][msg.sender], "Registry: not owner nor operator"
    self.getApproved[tokenId] = approved
    log Approval(owner=owner, approved=approved, tokenId=tokenId)


@external
def setApprovalForAll(operator: address, approved: bool):
    assert operator != msg.sender, "Registry: approve to caller"
    self.isApprovedForAll[msg.sender][operator] = approved
    log ApprovalForAll(owner=msg.sender, operator=operator, approved=approved)


@external
def transferFrom(sender: address, receiver: address, tokenId: uint256):
    self._transfer(sender, receiver, tokenId)


@external
def safeTransferFrom(sender: address, receiver: address, tokenId: uint256, data: Bytes[1024] = b""):
    self._transfer(sender, receiver, tokenId)
    if receiver.is_contract:
        selector: bytes4 = extcall IERC721Receiver(receiver).onERC721Received(msg.sender, sender, tokenId, data)
        assert selector == method_id(
            "onERC721Received(address,address,uint256,bytes)", output_type=bytes4
        ), "Registry: receiver rejected the agent"


@internal
def _transfer(sender: address, receiver: address, tokenId: uint256):
    # The agent's staking pool and reputation are keyed by agent id, so they move with the token.
    owner: address = self._owners[tokenId]
    assert owner != empty(address), "Registry: agent does not exist"
    assert owner == sender, "Registry: sender is not the owner"
    assert receiver != empty(address), "Registry: transfer to the zero address"
    assert (
        msg.sender == owner
        or msg.sender == self.getApproved[tokenId]
        or self.isApprovedForAll[owner][msg.sender]
    ), "Registry: not owner nor approved"
    self.getApproved[tokenId] = empty(address)
    self._balances[sender] -= 1
    self._balances[receiver] += 1
    self._owners[tokenId] = receiver
    log Transfer(sender=sender, receiver=receiver, tokenId=tokenId)


@view
@internal
def _require_exists(agentId: uint256):
    assert self._owners[agentId] != empty(address), "Registry: agent does not exist"
