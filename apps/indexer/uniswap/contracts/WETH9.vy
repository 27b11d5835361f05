# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Wrapped Ether for local chains
@notice WETH9's interface and behaviour (deposit, withdraw, ERC-20, Deposit/Withdrawal events),
        which Uniswap v3's periphery calls. The npm packages ship only its interface.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

implements: IERC20
implements: IERC20Detailed

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event Deposit:
    dst: indexed(address)
    wad: uint256

event Withdrawal:
    src: indexed(address)
    wad: uint256

name: public(String[32])
symbol: public(String[32])
decimals: public(uint8)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])


@deploy
def __init__():
    self.name = "Wrapped Ether"
    self.symbol = "WETH"
    self.decimals = 18


@view
@external
def totalSupply() -> uint256:
    # As WETH9: the supply is the Ether this contract holds.
    return self.balance


@payable
@external
def __default__():
    self._deposit()


@payable
@external
def deposit():
    self._deposit()


@external
def withdraw(wad: uint256):
    assert self.balanceOf[msg.sender] >= wad, "WETH: insufficient balance"
    self.balanceOf[msg.sender] -= wad
    log Withdrawal(src=msg.sender, wad=wad)
    # All gas forwarded: Uniswap's router receives Ether in a function that checks its sender.
    raw_call(msg.sender, b"", value=wad)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    if sender != msg.sender:
        allowed: uint256 = self.allowance[sender][msg.sender]
        assert allowed >= amount, "WETH: insufficient allowance"
        if allowed != max_value(uint256):
            self.allowance[sender][msg.sender] = allowed - amount
    self._transfer(sender, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@internal
@payable
def _deposit():
    self.balanceOf[msg.sender] += msg.value
    log Deposit(dst=msg.sender, wad=msg.value)


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert self.balanceOf[sender] >= amount, "WETH: insufficient balance"
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)
