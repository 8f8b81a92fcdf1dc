"""A local stand-in for TikTok API for Business and Shop Ads account management (docs/contract.md).

A dev and test tool beside the service, never imported by it.
"""
