# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Agent reputation
@notice A 0-100 score per agent with job counts. ACPCore updates it when jobs settle or
        disputes resolve; the admin can set scores directly to seed a fresh chain.
@dev An agent nobody has scored yet reads as `defaultScore`, so registering an agent needs
     no call here.
"""

MAX_SCORE: constant(uint256) = 100

event ReputationUpdated:
    agentId: indexed(uint256)
    score: uint256
    totalJobs: uint256
    completedJobs: uint256

event CoreSet:
    core: indexed(address)

admin: public(immutable(address))
defaultScore: public(immutable(uint256))
core: public(address)

totalJobs: public(HashMap[uint256, uint256])
# Jobs this agent delivered as provider and that were completed (or won in arbitration).
completedJobs: public(HashMap[uint256, uint256])
_score: HashMap[uint256, uint256]
_scored: HashMap[uint256, bool]


@deploy
def __init__(defaultScore_: uint256):
    assert defaultScore_ <= MAX_SCORE, "Reputation: default score above 100"
    admin = msg.sender
    defaultScore = defaultScore_


@external
def setCore(core_: address):
    """
    @notice Authorise ACPCore, once; see Staking.setCore for why it is fixed.
    """
    assert msg.sender == admin, "Reputation: not the admin"
    assert self.core == empty(address), "Reputation: core already set"
    assert core_ != empty(address), "Reputation: core is the zero address"
    self.core = core_
    log CoreSet(core=core_)


@view
@external
def score(agentId: uint256) -> uint256:
    return self._current(agentId)


@external
def setScore(agentId: uint256, score: uint256):
    """
    @notice Seed or correct an agent's score (admin only); job counts are left alone.
    """
    assert msg.sender == admin, "Reputation: not the admin"
    assert score <= MAX_SCORE, "Reputation: score above 100"
    self._store(agentId, score)


@external
def recordJob(agentId: uint256, scoreDelta: int256, completed: bool):
    """
    @notice Count a settled job for the agent and move its score by `scoreDelta`, clamped to 0-100.
    """
    assert msg.sender == self.core, "Reputation: caller is not ACPCore"
    self.totalJobs[agentId] += 1
    if completed:
        self.completedJobs[agentId] += 1
    self._store(agentId, self._moved(agentId, scoreDelta))


@external
def adjustScore(agentId: uint256, scoreDelta: int256):
    """
    @notice Move the score without counting a job: arbitration revising a job already counted.
    """
    assert msg.sender == self.core, "Reputation: caller is not ACPCore"
    self._store(agentId, self._moved(agentId, scoreDelta))


@view
@internal
def _current(agentId: uint256) -> uint256:
    if self._scored[agentId]:
        return self._score[agentId]
    return defaultScore


@view
@internal
def _moved(agentId: uint256, scoreDelta: int256) -> uint256:
    moved: int256 = convert(self._current(agentId), int256) + scoreDelta
    return convert(min(max(moved, 0), convert(MAX_SCORE, int256)), uint256)


@internal
def _store(agentId: uint256, score: uint256):
    self._score[agentId] = score
    self._scored[agentId] = True
    log ReputationUpdated(
        agentId=agentId,
        score=score,
        totalJobs=self.totalJobs[agentId],
        completedJobs=self.completedJobs[agentId],
    )
