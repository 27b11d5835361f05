# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Agent staking pools
@notice Each agent has one pool of MockUSDC. Whoever holds the agent's NFT can stake into it
        and withdraw what is not locked. ACPCore locks part of a pool for the length of a job
        (per job and role), then releases it, or slashes some of it to a counterparty first.
@dev available + locked of every agent always equals the USDC this contract holds for it.
"""

from ethereum.ercs import IERC20

interface IAgentRegistry:
    def ownerOf(agentId: uint256) -> address: view

# Roles a lock is held under; the same numbers ACPCore uses.
ROLE_CLIENT: constant(uint8) = 0
ROLE_PROVIDER: constant(uint8) = 1
ROLE_EVALUATOR: constant(uint8) = 2

event Staked:
    agentId: indexed(uint256)
    staker: indexed(address)
    amount: uint256

event Withdrawn:
    agentId: indexed(uint256)
    receiver: indexed(address)
    amount: uint256

event StakeLocked:
    agentId: indexed(uint256)
    jobId: indexed(uint256)
    role: uint8
    amount: uint256

# `amount` is what went back to the pool's available balance (zero if all was slashed); the lock is over.
event StakeReleased:
    agentId: indexed(uint256)
    jobId: indexed(uint256)
    role: uint8
    amount: uint256

# `amount` left the pool for `receiver`; whatever remains of the lock stays locked.
event StakeSlashed:
    agentId: indexed(uint256)
    jobId: indexed(uint256)
    role: uint8
    amount: uint256
    receiver: address

event CoreSet:
    core: indexed(address)

usdc: public(immutable(address))
registry: public(immutable(address))
admin: public(immutable(address))
core: public(address)

available: public(HashMap[uint256, uint256])
locked: public(HashMap[uint256, uint256])
# agentId -> jobId -> role -> amount still locked for that job and role
lockedFor: public(HashMap[uint256, HashMap[uint256, HashMap[uint8, uint256]]])
# Whether that lock is open. Separate from the amount because a fully slashed lock is still
# open (at zero) until released.
isLocked: public(HashMap[uint256, HashMap[uint256, HashMap[uint8, bool]]])


@deploy
def __init__(usdc_: address, registry_: address):
    usdc = usdc_
    registry = registry_
    admin = msg.sender


@external
def setCore(core_: address):
    """
    @notice Authorise ACPCore, once. It cannot be changed afterwards, so no one can later
            point the pools at a contract that locks or slashes stake by other rules.
    """
    assert msg.sender == admin, "Staking: not the admin"
    assert self.core == empty(address), "Staking: core already set"
    assert core_ != empty(address), "Staking: core is the zero address"
    self.core = core_
    log CoreSet(core=core_)


@external
def stake(agentId: uint256, amount: uint256):
    """
    @notice Move `amount` MockUSDC from the caller into the agent's pool (approve this contract first).
    """
    self._require_agent_owner(agentId)
    assert amount > 0, "Staking: zero amount"
    self.available[agentId] += amount
    assert extcall IERC20(usdc).transferFrom(msg.sender, self, amount), "Staking: transfer failed"
    log Staked(agentId=agentId, staker=msg.sender, amount=amount)


@external
def withdraw(agentId: uint256, amount: uint256):
    """
    @notice Send `amount` of the agent's unlocked stake to the caller, who must hold the agent.
    """
    self._require_agent_owner(agentId)
    assert amount > 0, "Staking: zero amount"
    assert self.available[agentId] >= amount, "Staking: insufficient available stake"
    self.available[agentId] -= amount
    assert extcall IERC20(usdc).transfer(msg.sender, amount), "Staking: transfer failed"
    log Withdrawn(agentId=agentId, receiver=msg.sender, amount=amount)


@external
def lock(agentId: uint256, jobId: uint256, role: uint8, amount: uint256):
    self._require_core()
    assert role <= ROLE_EVALUATOR, "Staking: unknown role"
    assert amount > 0, "Staking: zero amount"
    # One lock per agent, job and role at a time: a second would make release ambiguous.
    assert not self.isLocked[agentId][jobId][role], "Staking: already locked"
    assert self.available[agentId] >= amount, "Staking: insufficient stake"
    self.available[agentId] -= amount
    self.locked[agentId] += amount
    self.lockedFor[agentId][jobId][role] = amount
    self.isLocked[agentId][jobId][role] = True
    log StakeLocked(agentId=agentId, jobId=jobId, role=role, amount=amount)


@external
def release(agentId: uint256, jobId: uint256, role: uint8) -> uint256:
    """
    @notice End the lock, returning what is left of it to the agent's available stake.
    @return The amount released, zero when slashes took all of it.
    """
    self._require_core()
    assert self.isLocked[agentId][jobId][role], "Staking: nothing locked"
    amount: uint256 = self.lockedFor[agentId][jobId][role]
    self.lockedFor[agentId][jobId][role] = 0
    self.isLocked[agentId][jobId][role] = False
    self.locked[agentId] -= amount
    self.available[agentId] += amount
    log StakeReleased(agentId=agentId, jobId=jobId, role=role, amount=amount)
    return amount


@external
def slash(agentId: uint256, jobId: uint256, role: uint8, amount: uint256, receiver: address):
    """
    @notice Pay `amount` out of the lock to `receiver`. The lock stays open, with whatever is
            left, until ACPCore releases it: every lock ends with exactly one StakeReleased.
    """
    self._require_core()
    assert amount > 0, "Staking: zero amount"
    assert receiver != empty(address), "Staking: receiver is the zero address"
    assert self.isLocked[agentId][jobId][role], "Staking: nothing locked"
    assert self.lockedFor[agentId][jobId][role] >= amount, "Staking: slash exceeds lock"
    self.lockedFor[agentId][jobId][role] -= amount
    self.locked[agentId] -= amount
    assert extcall IERC20(usdc).transfer(receiver, amount), "Staking: transfer failed"
    log StakeSlashed(agentId=agentId, jobId=jobId, role=role, amount=amount, receiver=receiver)


@view
@internal
def _require_agent_owner(agentId: uint256):
    # ownerOf reverts for an unknown agent with the registry's own reason.
    assert staticcall IAgentRegistry(registry).ownerOf(agentId) == msg.sender, "Staking: not the agent owner"


@view
@internal
def _require_core():
    assert msg.sender == self.core, "Staking: caller is not ACPCore"
