"""Filled CMRT/EMRT/CRT declarations: declaring company, its smelters, their declared origins."""
