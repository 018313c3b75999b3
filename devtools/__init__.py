"""Development tools: embedded services, the demo supervisor and the benchmark.

Not needed to run ccpulse in production; their extra dependencies come with
``pip install 'ccpulse[embedded]'`` (the demo) and ``'ccpulse[bench]'`` (the bench).
"""
