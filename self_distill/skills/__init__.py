"""Skills: small verified Python programs that answer a recurring kind of task without a model.

The contract, creator, verifier and store live in one module each; import from those modules.
"""
