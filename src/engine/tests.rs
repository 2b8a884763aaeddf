// tests come below
