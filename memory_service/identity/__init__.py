"""Who a customer is: resolving references, linking identifiers and merging customers.

locks.py holds the one lock order every writer follows; service.py resolves, links and merges.
"""
