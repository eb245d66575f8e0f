"""Subscribers: the model, their interest profiles, and (later) signed links and preference pages."""
