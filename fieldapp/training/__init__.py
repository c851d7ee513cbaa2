"""Training of rural doctors and guidance visits by county staff."""
