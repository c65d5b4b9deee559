"""Tests of the HubSpot sandbox (a package so its conftest cannot shadow another one)."""
