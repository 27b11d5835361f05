"""Chain logs → event name and args, by the contracts' ABIs.

Args are normalised for the projection: integers stay `int`, bytes and bytes32 become 0x hex,
addresses are checksummed. Which contract emitted a log is read from its address, which keeps the
ERC-20 and ERC-721 `Transfer` events (same topic 0) apart."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic
from hexbytes import HexBytes
from web3 import Web3

from apps.indexer.models import ChainLog
from apps.jobs.chain.artifacts import CONTRACT_NAMES, load_artifact


@dataclass(frozen=True)
class DecodedEvent:
    contract: str
    name: str
    args: dict[str, Any]
    log: ChainLog

    @property
    def block_number(self) -> int:
        return self.log.block_number

    @property
    def block_timestamp(self) -> int:
        return self.log.block.timestamp


@functools.cache
def _events_by_topic(contract: str) -> dict[str, dict[str, Any]]:
    return {
        HexBytes(event_abi_to_log_topic(item)).to_0x_hex(): item
        for item in load_artifact(contract).abi
        if item["type"] == "event"
    }


def _normalise(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return Web3.to_checksum_address(value)
    if isinstance(value, bytes):
        return HexBytes(value).to_0x_hex()
    return value


def decode_log(log: ChainLog, *, contract_by_address: dict[str, str]) -> DecodedEvent | None:
    """The event `log` carries, or None when it is not one of the followed contracts' events."""
    contract = contract_by_address.get(Web3.to_checksum_address(log.address))
    if contract not in CONTRACT_NAMES or not log.topics:
        return None
    abi = _events_by_topic(contract).get(log.topics[0].lower())
    if abi is None:
        return None
    indexed = [item for item in abi["inputs"] if item["indexed"]]
    plain = [item for item in abi["inputs"] if not item["indexed"]]
    if len(indexed) != len(log.topics) - 1:
        return None
    args: dict[str, Any] = {}
    for item, topic in zip(indexed, log.topics[1:], strict=True):
        (args[item["name"]],) = abi_decode([item["type"]], HexBytes(topic))
    values = abi_decode([item["type"] for item in plain], HexBytes(log.data))
    args.update({item["name"]: value for item, value in zip(plain, values, strict=True)})
    types = {item["name"]: item["type"] for item in abi["inputs"]}
    normalised = {name: _normalise(types[name], value) for name, value in args.items()}
    return DecodedEvent(contract=contract, name=abi["name"], args=normalised, log=log)


def json_args(args: dict[str, Any]) -> dict[str, Any]:
    """Args as JobEvent stores them: integers as decimal strings (uint256 overflows JSON numbers)."""
    return {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in args.items()}
