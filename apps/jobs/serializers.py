from __future__ import annotations

from rest_framework import serializers


class ContractsSerializer(serializers.Serializer):
    ACPCore = serializers.CharField()
    MockUSDC = serializers.CharField()
    AgentRegistry = serializers.CharField()
    Staking = serializers.CharField()
    Reputation = serializers.CharField()


class ChainConfigSerializer(serializers.Serializer):
    chainId = serializers.IntegerField()
    rpcUrl = serializers.CharField()
    contracts = ContractsSerializer()
    usdcDecimals = serializers.IntegerField()
    minProviderStake = serializers.CharField(help_text="raw USDC units")
    minReputation = serializers.IntegerField()


class ConfigEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    data = ChainConfigSerializer()
