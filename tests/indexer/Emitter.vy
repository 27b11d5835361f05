# pragma version ~=0.4.3
# A contract that only logs, for the chain follower's tests.

event Ping:
    n: indexed(uint256)


@external
def ping(n: uint256):
    log Ping(n=n)
