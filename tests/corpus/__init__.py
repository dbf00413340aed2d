"""The bad-input corpus: files clerks really send (files/) and the findings each must raise."""
