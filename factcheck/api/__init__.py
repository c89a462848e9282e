"""What every API view shares, one module per concern, laid out as DRF's own."""
