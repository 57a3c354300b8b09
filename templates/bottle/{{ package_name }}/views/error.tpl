% rebase("base.tpl")
<h1>{{error.status_line}}</h1>
<p class="lead">{{error.body}}</p>
<p><a href="/">Back to the home page</a></p>
% if debug and error.traceback:
<pre>{{error.traceback}}</pre>
% end
