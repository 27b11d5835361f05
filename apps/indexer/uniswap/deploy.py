"""Deploy Uniswap v3 (factory, position manager, router), WETH9 and a WETH/USDC 0.3% pool with
full-range liquidity to a chain whose node signs for the deployer (anvil, eth-tester)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction
from math import isqrt

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.types import TxReceipt

from apps.indexer.uniswap import artifacts
from apps.jobs.chain.artifacts import load_artifact as load_jobs_artifact

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
FEE = 3000  # 0.3%, in hundredths of a basis point
TICK_SPACING = 60  # the factory's spacing for the 0.3% tier
# The widest ticks on the 0.3% tier's spacing (TickMath's bounds are +-887272).
FULL_RANGE = (-887_220, 887_220)
INITIAL_USDC_PER_WETH = Fraction(3_000)
LIQUIDITY_WETH = 100 * 10**18
LIQUIDITY_USDC = 300_000 * 10**6  # 100 WETH's worth at the initial price
DEADLINE_SECONDS = 3600


@dataclass(frozen=True)
class UniswapAddresses:
    factory: ChecksumAddress
    weth: ChecksumAddress
    usdc: ChecksumAddress
    position_manager: ChecksumAddress
    swap_router: ChecksumAddress
    pool: ChecksumAddress  # WETH/USDC, 0.3%

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def sqrt_price_x96(*, price: Fraction, token0_decimals: int, token1_decimals: int) -> int:
    """Uniswap's Q64.96 square root of the raw price (token1 raw units per token0 raw unit),
    for `price` whole token1 per whole token0; rounded down, as the pool would hold it."""
    raw = price * 10**token1_decimals / 10**token0_decimals
    return isqrt(raw.numerator * 2**192 // raw.denominator)


def contract(w3: Web3, name: str, address: str) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts.load(name).abi)


def erc20(w3: Web3, address: str) -> Contract:
    # WETH9's ABI has every ERC-20 call used here (and deposit/withdraw).
    return contract(w3, "WETH9", address)


def mock_usdc(w3: Web3, address: str) -> Contract:
    """The USDC of the pool: the agent-jobs MockUSDC (an ERC-20 with an open mint)."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_jobs_artifact("MockUSDC").abi)


def send(w3: Web3, call: ContractConstructor | ContractFunction, sender: str, value: int = 0) -> TxReceipt:
    tx_hash = call.transact({"from": Web3.to_checksum_address(sender), "value": value})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return receipt


def deadline(w3: Web3) -> int:
    return w3.eth.get_block("latest")["timestamp"] + DEADLINE_SECONDS


def deploy_uniswap(w3: Web3, *, deployer: str, usdc: str | None = None) -> UniswapAddresses:
    """Deploy WETH9, the factory, the position manager and the router, create the WETH/USDC
    0.3% pool at INITIAL_USDC_PER_WETH and add full-range liquidity owned by `deployer`.

    `usdc` is an existing 6-decimal token with an open `mint` (the agent-jobs MockUSDC, so its
    transfers are priced by the same pool); without it a MockUSDC is deployed here.

    The position manager's token descriptor is the zero address: it only renders tokenURI (the
    position NFT's SVG), and the shipped descriptor needs a linked NFTDescriptor library; minting,
    liquidity and fees never call it."""
    sender = Web3.to_checksum_address(deployer)

    def deploy(abi: list, bytecode: str, *args: object) -> ChecksumAddress:
        receipt = send(w3, w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args), sender)
        return Web3.to_checksum_address(receipt["contractAddress"])

    def deploy_named(name: str, *args: object) -> ChecksumAddress:
        artifact = artifacts.load(name)
        return deploy(artifact.abi, artifact.bytecode, *args)

    if usdc is None:
        mock = load_jobs_artifact("MockUSDC")
        usdc = deploy(mock.abi, mock.bytecode)
    usdc = Web3.to_checksum_address(usdc)
    weth = deploy_named("WETH9")
    factory = deploy_named("UniswapV3Factory")
    position_manager = deploy_named("NonfungiblePositionManager", factory, weth, ZERO_ADDRESS)
    swap_router = deploy_named("SwapRouter", factory, weth)

    manager = contract(w3, "NonfungiblePositionManager", position_manager)
    token0, token1 = sorted([weth, usdc], key=lambda a: int(a, 16))
    weth_is_token0 = token0 == weth
    usdc_decimals = erc20(w3, usdc).functions.decimals().call()
    price = INITIAL_USDC_PER_WETH if weth_is_token0 else 1 / INITIAL_USDC_PER_WETH
    decimals = (18, usdc_decimals) if weth_is_token0 else (usdc_decimals, 18)
    sqrt_price = sqrt_price_x96(price=price, token0_decimals=decimals[0], token1_decimals=decimals[1])
    send(w3, manager.functions.createAndInitializePoolIfNecessary(token0, token1, FEE, sqrt_price), sender)
    pool = contract(w3, "UniswapV3Factory", factory).functions.getPool(token0, token1, FEE).call()

    send(w3, erc20(w3, weth).functions.deposit(), sender, value=LIQUIDITY_WETH)
    send(w3, mock_usdc(w3, usdc).functions.mint(sender, LIQUIDITY_USDC), sender)
    for token in (weth, usdc):
        send(w3, erc20(w3, token).functions.approve(position_manager, 2**256 - 1), sender)
    amounts = (LIQUIDITY_WETH, LIQUIDITY_USDC) if weth_is_token0 else (LIQUIDITY_USDC, LIQUIDITY_WETH)
    mint = (token0, token1, FEE, *FULL_RANGE, *amounts, 0, 0, sender, deadline(w3))
    send(w3, manager.functions.mint(mint), sender)
    return UniswapAddresses(
        factory=factory,
        weth=weth,
        usdc=usdc,
        position_manager=position_manager,
        swap_router=swap_router,
        pool=Web3.to_checksum_address(pool),
    )
