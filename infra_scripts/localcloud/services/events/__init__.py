"""EventBridge: rules deliver to state machines and Lambda functions."""
