# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title ACP core: agent jobs with escrow, evaluation, disputes and expiry
@notice A client agent posts a job, funds its budget into escrow here, and assigns a provider
        agent, whose stake is locked for the job. The provider submits a deliverable hash; an
        evaluator agent able to judge the job's strategy type takes the evaluation, and once the
        backend has produced the proofs it completes the job (escrow paid out, less fees) or
        rejects it (escrow refunded, part of the provider's stake slashed to the client).

        OPEN -> FUNDED -> SUBMITTED -> COMPLETED | REJECTED
        OPEN | FUNDED -> EXPIRED (anyone, once the deadline has passed)
        SUBMITTED | COMPLETED | REJECTED -> DISPUTED -> ARBITRATED

@dev Every state change emits an event carrying what an indexer needs to rebuild the job
     without calling back: ids, raw USDC amounts and hashes. Times are not in the events: the
     indexer reads them from the block. Roles act through agent NFTs, so each check and each
     payout uses whoever holds the agent's token at that moment.
     Every function writes its state before calling out to the token or staking contracts.
"""

from ethereum.ercs import IERC20

interface IAgentRegistry:
    def ownerOf(agentId: uint256) -> address: view
    def evaluatorStrategyType(agentId: uint256) -> uint8: view

interface IStaking:
    def available(agentId: uint256) -> uint256: view
    def lock(agentId: uint256, jobId: uint256, role: uint8, amount: uint256): nonpayable
    def release(agentId: uint256, jobId: uint256, role: uint8) -> uint256: nonpayable
    def slash(agentId: uint256, jobId: uint256, role: uint8, amount: uint256, receiver: address): nonpayable

# The Groth16 verifiers snarkjs exports from the circuits under circuits/ (prover/ceremony.py); one
# per circuit, since each takes its circuit's number of public signals.
interface ICexCapitalVerifier:
    def verifyProof(_pA: uint256[2], _pB: uint256[2][2], _pC: uint256[2], _pubSignals: uint256[13]) -> bool: view

interface IDeliverableVerifier:
    def verifyProof(_pA: uint256[2], _pB: uint256[2][2], _pC: uint256[2], _pubSignals: uint256[9]) -> bool: view

interface IReputation:
    def recordJob(agentId: uint256, scoreDelta: int256, completed: bool): nonpayable
    def adjustScore(agentId: uint256, scoreDelta: int256): nonpayable

# ---- numbering shared with the backend (seed docs) ----

STATUS_OPEN: constant(uint8) = 0
STATUS_FUNDED: constant(uint8) = 1
STATUS_SUBMITTED: constant(uint8) = 2
STATUS_COMPLETED: constant(uint8) = 3
STATUS_REJECTED: constant(uint8) = 4
STATUS_EXPIRED: constant(uint8) = 5
STATUS_DISPUTED: constant(uint8) = 6
STATUS_ARBITRATED: constant(uint8) = 7

STRATEGY_PROGRAM: constant(uint8) = 0
STRATEGY_RUBRIC: constant(uint8) = 1
STRATEGY_HYBRID: constant(uint8) = 2
STRATEGY_CEX_CAPITAL: constant(uint8) = 3

ROLE_CLIENT: constant(uint8) = 0
ROLE_PROVIDER: constant(uint8) = 1

BONUS_NONE: constant(uint8) = 0
BONUS_HALF_TIME: constant(uint8) = 1
BONUS_THREE_QUARTER: constant(uint8) = 2

BPS: constant(uint256) = 10_000

# ---- reputation moves ----

# Provider on completion: base, plus one when on time, plus the bonus for early delivery.
SCORE_COMPLETED: constant(int256) = 1
SCORE_ON_TIME: constant(int256) = 1
SCORE_HALF_TIME_BONUS: constant(int256) = 2
SCORE_THREE_QUARTER_BONUS: constant(int256) = 1
# Provider on rejection, or on losing an arbitration.
SCORE_REJECTED: constant(int256) = -5

# ---- the Groth16 proof: (a, b, c) as 8 words, then the circuit's public signals as words ----

GROTH16_PROOF_BYTES: constant(uint256) = 256
CEX_SIGNALS: constant(uint256) = 13
DELIVERABLE_SIGNALS: constant(uint256) = 9
HALF: constant(uint256) = 2**128

# ---- size limits of the evaluation evidence (the backend's Groth16 seal and TEE quotes fit) ----

MAX_PROOF: constant(uint256) = 4096
MAX_PUBLIC_INPUTS: constant(uint256) = 4096
MAX_ATTESTATION: constant(uint256) = 16384
MAX_REPORT_DATA: constant(uint256) = 1024


struct Job:
    clientId: uint256
    providerId: uint256
    evaluatorId: uint256
    budget: uint256
    escrowBalance: uint256
    deadline: uint256
    createdAt: uint256
    submittedAt: uint256
    settledAt: uint256
    strategyType: uint8
    status: uint8
    programHash: bytes32
    rubricHash: bytes32
    deliverableHash: bytes32
    passed: bool
    platformFee: uint256
    evaluatorFee: uint256
    providerPayment: uint256
    disputeId: uint256
    cexCapital: uint256
    stopLossBps: uint256
    targetReturnBps: uint256

struct Dispute:
    jobId: uint256
    openerId: uint256
    openedBy: address
    fromStatus: uint8
    reasonHash: bytes32
    openedAt: uint256
    # For a dispute over a settled job: the counterparty stake locked as collateral (see dispute()).
    collateralAgentId: uint256
    collateralRole: uint8
    collateral: uint256
    resolved: bool
    providerWins: bool


event JobCreated:
    jobId: indexed(uint256)
    clientId: indexed(uint256)
    budget: uint256
    deadline: uint256
    strategyType: uint8
    programHash: bytes32
    rubricHash: bytes32

event CexConfigSet:
    jobId: indexed(uint256)
    capital: uint256
    stopLossBps: uint256
    targetReturnBps: uint256

event JobFunded:
    jobId: indexed(uint256)
    amount: uint256

event ProviderSet:
    jobId: indexed(uint256)
    providerId: indexed(uint256)
    stake: uint256

event JobSubmitted:
    jobId: indexed(uint256)
    providerId: indexed(uint256)
    deliverableHash: bytes32

event EvaluationStarted:
    jobId: indexed(uint256)
    evaluatorId: indexed(uint256)
    strategyType: uint8

# The evidence passed to complete() or reject(): hashes of all of it, and the Groth16 proof and
# its public inputs themselves (a few hundred bytes), verified before this is logged, so an
# indexer can show what the chain accepted. The backend holds the TEE attestation's bytes.
event ProofRecorded:
    jobId: indexed(uint256)
    passed: bool
    verificationLevel: uint8
    zkProofHash: bytes32
    publicInputsHash: bytes32
    teeAttestationHash: bytes32
    teeReportDataHash: bytes32
    zkProof: Bytes[MAX_PROOF]
    publicInputs: Bytes[MAX_PUBLIC_INPUTS]

event JobCompleted:
    jobId: indexed(uint256)
    providerPayment: uint256
    platformFee: uint256
    evaluatorFee: uint256
    onTime: bool
    bonusType: uint8

event JobRejected:
    jobId: indexed(uint256)
    refund: uint256
    evaluatorFee: uint256
    slashed: uint256
    onTime: bool
    reasonCode: uint8

event JobExpired:
    jobId: indexed(uint256)
    refund: uint256

event DisputeOpened:
    disputeId: indexed(uint256)
    jobId: indexed(uint256)
    openerId: uint256
    openedBy: address
    fromStatus: uint8
    reasonHash: bytes32
    collateral: uint256

# refund goes to the client, providerPayment to the provider, stakePaid from the loser's stake
# to the winner; platformFee is only non-zero when the job was still SUBMITTED.
event DisputeResolved:
    disputeId: indexed(uint256)
    jobId: indexed(uint256)
    providerWins: bool
    providerPayment: uint256
    platformFee: uint256
    refund: uint256
    stakePaid: uint256

event SnapshotReported:
    jobId: indexed(uint256)
    reportedValue: uint256
    attestation: Bytes[MAX_ATTESTATION]


usdc: public(immutable(address))
registry: public(immutable(address))
staking: public(immutable(address))
reputation: public(immutable(address))
treasury: public(immutable(address))
arbiter: public(immutable(address))
reporter: public(immutable(address))
cexCapitalVerifier: public(immutable(address))
deliverableVerifier: public(immutable(address))

platformFeeBps: public(immutable(uint256))
evaluatorFeeBps: public(immutable(uint256))
providerStake: public(immutable(uint256))
slashBps: public(immutable(uint256))
disputeWindow: public(immutable(uint256))

jobCount: public(uint256)
disputeCount: public(uint256)
_jobs: HashMap[uint256, Job]
_disputes: HashMap[uint256, Dispute]


@deploy
def __init__(
    usdc_: address,
    registry_: address,
    staking_: address,
    reputation_: address,
    treasury_: address,
    arbiter_: address,
    reporter_: address,
    platformFeeBps_: uint256,
    evaluatorFeeBps_: uint256,
    providerStake_: uint256,
    slashBps_: uint256,
    disputeWindow_: uint256,
    cexCapitalVerifier_: address,
    deliverableVerifier_: address,
):
    assert treasury_ != empty(address), "ACP: treasury is the zero address"
    assert arbiter_ != empty(address), "ACP: arbiter is the zero address"
    assert reporter_ != empty(address), "ACP: reporter is the zero address"
    assert cexCapitalVerifier_ != empty(address), "ACP: CEX_CAPITAL verifier is the zero address"
    assert deliverableVerifier_ != empty(address), "ACP: deliverable verifier is the zero address"
    assert platformFeeBps_ + evaluatorFeeBps_ <= BPS, "ACP: fees above 100%"
    assert slashBps_ <= BPS, "ACP: slash above 100%"
    # Zero would make Staking.lock revert on every setProvider.
    assert providerStake_ > 0, "ACP: zero provider stake"
    usdc = usdc_
    registry = registry_
    staking = staking_
    reputation = reputation_
    treasury = treasury_
    arbiter = arbiter_
    reporter = reporter_
    platformFeeBps = platformFeeBps_
    evaluatorFeeBps = evaluatorFeeBps_
    providerStake = providerStake_
    slashBps = slashBps_
    disputeWindow = disputeWindow_
    cexCapitalVerifier = cexCapitalVerifier_
    deliverableVerifier = deliverableVerifier_


# ---- client ----


@external
def createJob(
    clientId: uint256,
    budget: uint256,
    deadline: uint256,
    strategyType: uint8,
    programHash: bytes32,
    rubricHash: bytes32,
) -> uint256:
    """
    @notice Post a job as `clientId` (the caller must hold that agent). Nothing moves yet.
    @param programHash keccak256 of the program; required for PROGRAM and HYBRID, zero otherwise.
    @param rubricHash keccak256 of the rubric; required for RUBRIC and HYBRID, zero otherwise.
    @return The new job id, counting from 1.
    """
    self._require_owner(clientId, "ACP: not the client owner")
    assert budget > 0, "ACP: zero budget"
    assert deadline > block.timestamp, "ACP: deadline in the past"
    assert strategyType <= STRATEGY_CEX_CAPITAL, "ACP: unknown strategy type"
    needs_program: bool = strategyType == STRATEGY_PROGRAM or strategyType == STRATEGY_HYBRID
    needs_rubric: bool = strategyType == STRATEGY_RUBRIC or strategyType == STRATEGY_HYBRID
    if needs_program:
        assert programHash != empty(bytes32), "ACP: program hash required"
    else:
        assert programHash == empty(bytes32), "ACP: program hash must be zero for this strategy"
    if needs_rubric:
        assert rubricHash != empty(bytes32), "ACP: rubric hash required"
    else:
        assert rubricHash == empty(bytes32), "ACP: rubric hash must be zero for this strategy"

    jobId: uint256 = self.jobCount + 1
    self.jobCount = jobId
    job: Job = empty(Job)
    job.clientId = clientId
    job.budget = budget
    job.deadline = deadline
    job.createdAt = block.timestamp
    job.strategyType = strategyType
    job.status = STATUS_OPEN
    job.programHash = programHash
    job.rubricHash = rubricHash
    self._jobs[jobId] = job
    log JobCreated(
        jobId=jobId,
        clientId=clientId,
        budget=budget,
        deadline=deadline,
        strategyType=strategyType,
        programHash=programHash,
        rubricHash=rubricHash,
    )
    return jobId


@external
def setCexConfig(jobId: uint256, capital: uint256, stopLossBps: uint256, targetReturnBps: uint256):
    """
    @notice Trading terms of a CEX_CAPITAL job; the client may change them until it funds the job.
    """
    job: Job = self._job(jobId)
    self._require_owner(job.clientId, "ACP: not the client owner")
    assert job.strategyType == STRATEGY_CEX_CAPITAL, "ACP: not a CEX_CAPITAL job"
    assert job.status == STATUS_OPEN, "ACP: job is not OPEN"
    assert capital > 0, "ACP: zero capital"
    assert stopLossBps > 0 and stopLossBps <= BPS, "ACP: stop loss out of range"
    assert targetReturnBps > 0, "ACP: zero target return"
    self._jobs[jobId].cexCapital = capital
    self._jobs[jobId].stopLossBps = stopLossBps
    self._jobs[jobId].targetReturnBps = targetReturnBps
    log CexConfigSet(jobId=jobId, capital=capital, stopLossBps=stopLossBps, targetReturnBps=targetReturnBps)


@external
def setBudget(jobId: uint256, budget: uint256):
    """
    @notice Fund the job: pull `budget` MockUSDC from the caller into escrow (approve this
            contract first). The amount may differ from the one posted; it becomes the budget.
    """
    job: Job = self._job(jobId)
    self._require_owner(job.clientId, "ACP: not the client owner")
    assert job.status == STATUS_OPEN, "ACP: job is not OPEN"
    assert block.timestamp <= job.deadline, "ACP: past deadline"
    assert budget > 0, "ACP: zero budget"
    self._jobs[jobId].budget = budget
    self._jobs[jobId].escrowBalance = budget
    self._jobs[jobId].status = STATUS_FUNDED
    assert extcall IERC20(usdc).transferFrom(msg.sender, self, budget), "ACP: transfer failed"
    log JobFunded(jobId=jobId, amount=budget)


@external
def setProvider(jobId: uint256, providerId: uint256):
    """
    @notice Assign the provider, once, locking `providerStake` of its pool for this job.
    """
    job: Job = self._job(jobId)
    self._require_owner(job.clientId, "ACP: not the client owner")
    assert job.status == STATUS_OPEN or job.status == STATUS_FUNDED, "ACP: job is not OPEN or FUNDED"
    assert block.timestamp <= job.deadline, "ACP: past deadline"
    # Replacing a provider mid-work would strand its effort; a client that needs another
    # provider lets this job expire and posts a new one.
    assert job.providerId == 0, "ACP: provider already set"
    assert providerId != job.clientId, "ACP: provider cannot be the client"
    # ownerOf reverts with the registry's reason for an unknown agent.
    assert self._owner_of(providerId) != empty(address)
    self._jobs[jobId].providerId = providerId
    extcall IStaking(staking).lock(providerId, jobId, ROLE_PROVIDER, providerStake)
    log ProviderSet(jobId=jobId, providerId=providerId, stake=providerStake)


# ---- provider ----


@external
def submit(jobId: uint256, deliverableHash: bytes32):
    job: Job = self._job(jobId)
    assert job.providerId != 0, "ACP: no provider assigned"
    self._require_owner(job.providerId, "ACP: not the provider owner")
    assert job.status == STATUS_FUNDED, "ACP: job is not FUNDED"
    assert block.timestamp <= job.deadline, "ACP: past deadline"
    assert deliverableHash != empty(bytes32), "ACP: empty deliverable hash"
    self._jobs[jobId].deliverableHash = deliverableHash
    self._jobs[jobId].submittedAt = block.timestamp
    self._jobs[jobId].status = STATUS_SUBMITTED
    log JobSubmitted(jobId=jobId, providerId=job.providerId, deliverableHash=deliverableHash)


# ---- evaluator ----


@external
def evaluate(jobId: uint256, evaluatorId: uint256):
    """
    @notice Take the evaluation of a submitted job. The backend starts its proof on the
            EvaluationStarted event; the status stays SUBMITTED until complete() or reject().
    """
    job: Job = self._job(jobId)
    self._require_owner(evaluatorId, "ACP: not the evaluator owner")
    assert job.status == STATUS_SUBMITTED, "ACP: job is not SUBMITTED"
    assert job.evaluatorId == 0, "ACP: evaluator already set"
    assert evaluatorId != job.clientId and evaluatorId != job.providerId, "ACP: evaluator is a party to the job"
    # An agent registered without capability has 255 here, which matches no strategy type.
    capability: uint8 = staticcall IAgentRegistry(registry).evaluatorStrategyType(evaluatorId)
    assert capability == job.strategyType, "ACP: evaluator cannot evaluate this strategy type"
    self._jobs[jobId].evaluatorId = evaluatorId
    log EvaluationStarted(jobId=jobId, evaluatorId=evaluatorId, strategyType=job.strategyType)


@external
def complete(
    jobId: uint256,
    zkProof: Bytes[MAX_PROOF],
    publicInputs: Bytes[MAX_PUBLIC_INPUTS],
    teeAttestation: Bytes[MAX_ATTESTATION],
    teeReportData: Bytes[MAX_REPORT_DATA],
    verificationLevel: uint8,
    onTime: bool,
    bonusType: uint8,
):
    """
    @notice Pass the job: escrow pays the platform fee to the treasury, the evaluator fee to the
            evaluator's owner and the rest to the provider's owner; the provider's stake is released.
    @dev zkProof is the Groth16 proof of the evaluation and publicInputs its public signals,
         verified here (see _require_valid_proof): for CEX_CAPITAL it must prove the target met.
         The TEE evidence is recorded by hash; the proof binds the report hash and enclave key.
    @param bonusType 0 none, 1 delivered within the first half of the job's time, 2 within the
           first three quarters. Checked against the recorded submission time.
    """
    job: Job = self._job(jobId)
    self._require_evaluation(job, len(zkProof), verificationLevel)
    self._require_valid_proof(jobId, job, zkProof, publicInputs, True)
    assert bonusType <= BONUS_THREE_QUARTER, "ACP: unknown bonus type"
    self._require_bonus_earned(job, bonusType)

    platformFee: uint256 = job.budget * platformFeeBps // BPS
    evaluatorFee: uint256 = job.budget * evaluatorFeeBps // BPS
    providerPayment: uint256 = job.budget - platformFee - evaluatorFee
    self._settle(jobId, STATUS_COMPLETED, True, platformFee, evaluatorFee, providerPayment)

    self._pay(treasury, platformFee)
    self._pay(self._owner_of(job.evaluatorId), evaluatorFee)
    self._pay(self._owner_of(job.providerId), providerPayment)
    extcall IStaking(staking).release(job.providerId, jobId, ROLE_PROVIDER)

    scoreDelta: int256 = SCORE_COMPLETED
    if onTime:
        scoreDelta += SCORE_ON_TIME
    if bonusType == BONUS_HALF_TIME:
        scoreDelta += SCORE_HALF_TIME_BONUS
    elif bonusType == BONUS_THREE_QUARTER:
        scoreDelta += SCORE_THREE_QUARTER_BONUS
    extcall IReputation(reputation).recordJob(job.providerId, scoreDelta, True)
    extcall IReputation(reputation).recordJob(job.clientId, 0, False)

    self._log_proof(jobId, True, verificationLevel, zkProof, publicInputs, teeAttestation, teeReportData)
    log JobCompleted(
        jobId=jobId,
        providerPayment=providerPayment,
        platformFee=platformFee,
        evaluatorFee=evaluatorFee,
        onTime=onTime,
        bonusType=bonusType,
    )


@external
def reject(
    jobId: uint256,
    zkProof: Bytes[MAX_PROOF],
    publicInputs: Bytes[MAX_PUBLIC_INPUTS],
    teeAttestation: Bytes[MAX_ATTESTATION],
    teeReportData: Bytes[MAX_REPORT_DATA],
    verificationLevel: uint8,
    onTime: bool,
    reasonCode: uint8,
):
    """
    @notice Fail the job: the client gets the budget back less the evaluator fee, and
            `slashBps` of the provider's locked stake; the rest of the stake is released.
    @dev The evaluator is paid on rejection too, so that failing a job never costs it its fee;
         no platform fee is taken on a failed job. The proof is checked as in complete(); for
         CEX_CAPITAL it must prove the target missed or the stop-loss crossed.
    """
    job: Job = self._job(jobId)
    self._require_evaluation(job, len(zkProof), verificationLevel)
    self._require_valid_proof(jobId, job, zkProof, publicInputs, False)

    evaluatorFee: uint256 = job.budget * evaluatorFeeBps // BPS
    refund: uint256 = job.budget - evaluatorFee
    slashed: uint256 = providerStake * slashBps // BPS
    self._settle(jobId, STATUS_REJECTED, False, 0, evaluatorFee, 0)

    client: address = self._owner_of(job.clientId)
    self._pay(self._owner_of(job.evaluatorId), evaluatorFee)
    self._pay(client, refund)
    if slashed > 0:
        extcall IStaking(staking).slash(job.providerId, jobId, ROLE_PROVIDER, slashed, client)
    extcall IStaking(staking).release(job.providerId, jobId, ROLE_PROVIDER)

    extcall IReputation(reputation).recordJob(job.providerId, SCORE_REJECTED, False)
    extcall IReputation(reputation).recordJob(job.clientId, 0, False)

    self._log_proof(jobId, False, verificationLevel, zkProof, publicInputs, teeAttestation, teeReportData)
    log JobRejected(
        jobId=jobId,
        refund=refund,
        evaluatorFee=evaluatorFee,
        slashed=slashed,
        onTime=onTime,
        reasonCode=reasonCode,
    )


# ---- anyone ----


@external
def expire(jobId: uint256):
    """
    @notice After the deadline, a job nobody submitted for ends: escrow back to the client,
            the provider's stake released. Anyone may call it.
    """
    job: Job = self._job(jobId)
    assert job.status == STATUS_OPEN or job.status == STATUS_FUNDED, "ACP: job is not OPEN or FUNDED"
    assert block.timestamp > job.deadline, "ACP: deadline not reached"
    refund: uint256 = job.escrowBalance
    self._jobs[jobId].escrowBalance = 0
    self._jobs[jobId].status = STATUS_EXPIRED
    self._jobs[jobId].settledAt = block.timestamp
    if refund > 0:
        self._pay(self._owner_of(job.clientId), refund)
    if job.providerId != 0:
        extcall IStaking(staking).release(job.providerId, jobId, ROLE_PROVIDER)
    log JobExpired(jobId=jobId, refund=refund)


# ---- disputes ----


@external
def dispute(jobId: uint256, reasonHash: bytes32) -> uint256:
    """
    @notice Take the job to the arbiter, once.
            - SUBMITTED (evaluation pending or stalled): client or provider, at any time; escrow
              and the provider's stake are still here and arbitration settles them.
            - COMPLETED: the client, within `disputeWindow` of settlement.
            - REJECTED: the provider, within `disputeWindow` of settlement.
    @dev A settled job's escrow is gone, so a dispute over it is backed by the stake of the side
         that settlement favoured: up to the budget is locked from that agent's pool now and paid
         to the other side if it wins. What that agent has already withdrawn is out of reach.
    @return The dispute id, counting from 1.
    """
    job: Job = self._job(jobId)
    assert reasonHash != empty(bytes32), "ACP: empty reason hash"
    openerId: uint256 = 0
    collateralAgentId: uint256 = 0
    collateralRole: uint8 = 0
    if job.status == STATUS_SUBMITTED:
        if self._owner_of(job.clientId) == msg.sender:
            openerId = job.clientId
        else:
            self._require_owner(job.providerId, "ACP: not the client or provider owner")
            openerId = job.providerId
    elif job.status == STATUS_COMPLETED:
        self._require_owner(job.clientId, "ACP: only the client disputes a completion")
        openerId = job.clientId
        collateralAgentId = job.providerId
        collateralRole = ROLE_PROVIDER
    elif job.status == STATUS_REJECTED:
        self._require_owner(job.providerId, "ACP: only the provider disputes a rejection")
        openerId = job.providerId
        collateralAgentId = job.clientId
        collateralRole = ROLE_CLIENT
    else:
        raise "ACP: job is not SUBMITTED, COMPLETED or REJECTED"
    if job.status != STATUS_SUBMITTED:
        assert block.timestamp <= job.settledAt + disputeWindow, "ACP: dispute window closed"

    collateral: uint256 = 0
    if collateralAgentId != 0:
        collateral = min(staticcall IStaking(staking).available(collateralAgentId), job.budget)

    disputeId: uint256 = self.disputeCount + 1
    self.disputeCount = disputeId
    self._disputes[disputeId] = Dispute(
        jobId=jobId,
        openerId=openerId,
        openedBy=msg.sender,
        fromStatus=job.status,
        reasonHash=reasonHash,
        openedAt=block.timestamp,
        collateralAgentId=collateralAgentId,
        collateralRole=collateralRole,
        collateral=collateral,
        resolved=False,
        providerWins=False,
    )
    self._jobs[jobId].status = STATUS_DISPUTED
    self._jobs[jobId].disputeId = disputeId
    if collateral > 0:
        extcall IStaking(staking).lock(collateralAgentId, jobId, collateralRole, collateral)
    log DisputeOpened(
        disputeId=disputeId,
        jobId=jobId,
        openerId=openerId,
        openedBy=msg.sender,
        fromStatus=job.status,
        reasonHash=reasonHash,
        collateral=collateral,
    )
    return disputeId


@external
def arbitrate(disputeId: uint256, providerWins: bool):
    """
    @notice The arbiter's ruling, final. For a job disputed while SUBMITTED it settles the
            escrow as a completion without an evaluator (provider paid less the platform fee) or
            as a rejection without one (full refund, provider stake slashed). For a settled job
            it pays the locked collateral to the winner, or releases it if settlement stands.
    """
    assert msg.sender == arbiter, "ACP: not the arbiter"
    assert disputeId > 0 and disputeId <= self.disputeCount, "ACP: unknown dispute"
    d: Dispute = self._disputes[disputeId]
    assert not d.resolved, "ACP: dispute already resolved"
    job: Job = self._jobs[d.jobId]
    jobId: uint256 = d.jobId

    self._disputes[disputeId].resolved = True
    self._disputes[disputeId].providerWins = providerWins
    self._jobs[jobId].status = STATUS_ARBITRATED

    providerPayment: uint256 = 0
    platformFee: uint256 = 0
    refund: uint256 = 0
    stakePaid: uint256 = 0

    if d.fromStatus == STATUS_SUBMITTED:
        client: address = self._owner_of(job.clientId)
        if providerWins:
            # No evaluator settled the job, so no evaluator fee.
            platformFee = job.budget * platformFeeBps // BPS
            providerPayment = job.budget - platformFee
            self._settle(jobId, STATUS_ARBITRATED, True, platformFee, 0, providerPayment)
            self._pay(treasury, platformFee)
            self._pay(self._owner_of(job.providerId), providerPayment)
            extcall IReputation(reputation).recordJob(job.providerId, SCORE_COMPLETED, True)
        else:
            refund = job.budget
            stakePaid = providerStake * slashBps // BPS
            self._settle(jobId, STATUS_ARBITRATED, False, 0, 0, 0)
            self._pay(client, refund)
            if stakePaid > 0:
                extcall IStaking(staking).slash(job.providerId, jobId, ROLE_PROVIDER, stakePaid, client)
            extcall IReputation(reputation).recordJob(job.providerId, SCORE_REJECTED, False)
        extcall IStaking(staking).release(job.providerId, jobId, ROLE_PROVIDER)
        extcall IReputation(reputation).recordJob(job.clientId, 0, False)
    else:
        # Settlement stands when the side it favoured wins: a completion if the provider wins,
        # a rejection if the client does. Otherwise the collateral goes to the other side.
        settlementStands: bool = providerWins == (d.fromStatus == STATUS_COMPLETED)
        if d.collateral > 0:
            if settlementStands:
                extcall IStaking(staking).release(d.collateralAgentId, jobId, d.collateralRole)
            else:
                stakePaid = d.collateral
                winnerId: uint256 = job.providerId if providerWins else job.clientId
                extcall IStaking(staking).slash(
                    d.collateralAgentId, jobId, d.collateralRole, stakePaid, self._owner_of(winnerId)
                )
                extcall IStaking(staking).release(d.collateralAgentId, jobId, d.collateralRole)
        if not settlementStands:
            # Undo the rejection's penalty, or apply it to a completion overturned.
            delta: int256 = -SCORE_REJECTED if providerWins else SCORE_REJECTED
            extcall IReputation(reputation).adjustScore(job.providerId, delta)

    log DisputeResolved(
        disputeId=disputeId,
        jobId=jobId,
        providerWins=providerWins,
        providerPayment=providerPayment,
        platformFee=platformFee,
        refund=refund,
        stakePaid=stakePaid,
    )


# ---- TEE reporter ----


@external
def reportSnapshot(jobId: uint256, reportedValue: uint256, attestation: Bytes[MAX_ATTESTATION]):
    """
    @notice The TEE's periodic account value for a running CEX_CAPITAL job, with its attestation.
    """
    assert msg.sender == reporter, "ACP: not the reporter"
    job: Job = self._job(jobId)
    assert job.strategyType == STRATEGY_CEX_CAPITAL, "ACP: not a CEX_CAPITAL job"
    assert job.status == STATUS_FUNDED or job.status == STATUS_SUBMITTED, "ACP: job is not FUNDED or SUBMITTED"
    assert len(attestation) > 0, "ACP: empty attestation"
    log SnapshotReported(jobId=jobId, reportedValue=reportedValue, attestation=attestation)


# ---- views ----


@view
@external
def getJob(jobId: uint256) -> Job:
    return self._job(jobId)


@view
@external
def getDispute(disputeId: uint256) -> Dispute:
    assert disputeId > 0 and disputeId <= self.disputeCount, "ACP: unknown dispute"
    return self._disputes[disputeId]


# ---- internals ----


@view
@internal
def _job(jobId: uint256) -> Job:
    assert jobId > 0 and jobId <= self.jobCount, "ACP: unknown job"
    return self._jobs[jobId]


@view
@internal
def _owner_of(agentId: uint256) -> address:
    return staticcall IAgentRegistry(registry).ownerOf(agentId)


@view
@internal
def _require_owner(agentId: uint256, reason: String[64]):
    assert self._owner_of(agentId) == msg.sender, reason


@view
@internal
def _require_evaluation(job: Job, proofLength: uint256, verificationLevel: uint8):
    # Shared rules of complete() and reject().
    assert job.evaluatorId != 0, "ACP: no evaluator"
    self._require_owner(job.evaluatorId, "ACP: not the evaluator owner")
    assert job.status == STATUS_SUBMITTED, "ACP: job is not SUBMITTED"
    assert verificationLevel >= 1 and verificationLevel <= 3, "ACP: unknown verification level"
    assert proofLength > 0, "ACP: missing zk proof"


@view
@internal
def _require_valid_proof(
    jobId: uint256, job: Job, zkProof: Bytes[MAX_PROOF], publicInputs: Bytes[MAX_PUBLIC_INPUTS], passed: bool
):
    # The public signals must speak of this job as the chain has it, and the verifier must accept
    # the proof for them. Signal layouts are the circuits' (outputs first, then public inputs;
    # 256-bit hashes as high and low 128-bit halves):
    #   cex_capital: passed, jobId, capital, stopLossBps, targetReturnBps, endEquity, minEquity,
    #                reportHash[2], enclaveKey[4]
    #   deliverable: claim, jobId, strategyType, deliverableHash[2], programHash[2], rubricHash[2]
    assert len(zkProof) == GROTH16_PROOF_BYTES, "ACP: zk proof is not a Groth16 proof"
    a: uint256[2] = empty(uint256[2])
    b: uint256[2][2] = empty(uint256[2][2])
    c: uint256[2] = empty(uint256[2])
    a, b, c = abi_decode(zkProof, (uint256[2], uint256[2][2], uint256[2]))
    if job.strategyType == STRATEGY_CEX_CAPITAL:
        assert len(publicInputs) == CEX_SIGNALS * 32, "ACP: public inputs are not the CEX_CAPITAL circuit's"
        cex: uint256[CEX_SIGNALS] = abi_decode(publicInputs, uint256[CEX_SIGNALS])
        assert cex[0] == convert(passed, uint256), "ACP: proof is of the other verdict"
        assert cex[1] == jobId, "ACP: proof is of another job"
        assert cex[2] == job.cexCapital, "ACP: proof is of other trading terms"
        assert cex[3] == job.stopLossBps and cex[4] == job.targetReturnBps, "ACP: proof is of other trading terms"
        assert staticcall ICexCapitalVerifier(cexCapitalVerifier).verifyProof(a, b, c, cex), "ACP: invalid zk proof"
    else:
        assert len(publicInputs) == DELIVERABLE_SIGNALS * 32, "ACP: public inputs are not the deliverable circuit's"
        d: uint256[DELIVERABLE_SIGNALS] = abi_decode(publicInputs, uint256[DELIVERABLE_SIGNALS])
        assert d[1] == jobId, "ACP: proof is of another job"
        assert d[2] == convert(job.strategyType, uint256), "ACP: proof is of another strategy"
        hashes: bytes32[3] = [job.deliverableHash, job.programHash, job.rubricHash]
        for i: uint256 in range(3):
            value: uint256 = convert(hashes[i], uint256)
            assert d[3 + 2 * i] == value // HALF and d[4 + 2 * i] == value % HALF, "ACP: proof is of other hashes"
        assert staticcall IDeliverableVerifier(deliverableVerifier).verifyProof(a, b, c, d), "ACP: invalid zk proof"


@view
@internal
def _require_bonus_earned(job: Job, bonusType: uint8):
    # Compare elapsed/allowed against 1/2 and 3/4 by cross-multiplying, so nothing rounds.
    elapsed: uint256 = job.submittedAt - job.createdAt
    allowed: uint256 = job.deadline - job.createdAt
    if bonusType == BONUS_HALF_TIME:
        assert 2 * elapsed <= allowed, "ACP: bonus not earned"
    elif bonusType == BONUS_THREE_QUARTER:
        assert 4 * elapsed <= 3 * allowed, "ACP: bonus not earned"


@internal
def _settle(
    jobId: uint256,
    status: uint8,
    passed: bool,
    platformFee: uint256,
    evaluatorFee: uint256,
    providerPayment: uint256,
):
    self._jobs[jobId].status = status
    self._jobs[jobId].passed = passed
    self._jobs[jobId].platformFee = platformFee
    self._jobs[jobId].evaluatorFee = evaluatorFee
    self._jobs[jobId].providerPayment = providerPayment
    self._jobs[jobId].escrowBalance = 0
    self._jobs[jobId].settledAt = block.timestamp


@internal
def _pay(receiver: address, amount: uint256):
    if amount > 0:
        assert extcall IERC20(usdc).transfer(receiver, amount), "ACP: transfer failed"


@internal
def _log_proof(
    jobId: uint256,
    passed: bool,
    verificationLevel: uint8,
    zkProof: Bytes[MAX_PROOF],
    publicInputs: Bytes[MAX_PUBLIC_INPUTS],
    teeAttestation: Bytes[MAX_ATTESTATION],
    teeReportData: Bytes[MAX_REPORT_DATA],
):
    log ProofRecorded(
        jobId=jobId,
        passed=passed,
        verificationLevel=verificationLevel,
        zkProofHash=keccak256(zkProof),
        publicInputsHash=keccak256(publicInputs),
        teeAttestationHash=keccak256(teeAttestation),
        teeReportDataHash=keccak256(teeReportData),
        zkProof=zkProof,
        publicInputs=publicInputs,
    )
