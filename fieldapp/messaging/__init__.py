"""Messaging: SMS to residents and staff, Web Push to staff, Twilio webhooks."""
