"""Uniswap v3 on a local chain: the factory, the position manager and the router deployed from
the npm packages' artifacts, a WETH/USDC pool with liquidity, swaps, and the explorer's demo."""
