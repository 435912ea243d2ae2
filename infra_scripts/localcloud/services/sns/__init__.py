"""SNS: e-mail subscriptions delivered to the outbox folder."""
