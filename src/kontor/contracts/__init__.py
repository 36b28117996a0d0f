"""Commands and events that cross component borders: plain message classes, no behaviour."""
