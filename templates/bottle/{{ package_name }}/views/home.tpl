% rebase("base.tpl")
<h1>{{project_name}}</h1>
<p class="lead">{{description}}</p>
<ul class="cards">
  % for page in pages:
  <li class="card">
    <h2><a href="{{page.url}}">{{page.title}}</a></h2>
    <p>{{page.summary}}</p>
  </li>
  % end
  % if accounts:
  <li class="card">
    <h2><a href="/signup">Accounts</a></h2>
    <p>Sign up, log in and log out; your account page requires login.</p>
  </li>
  % end
</ul>
<p class="muted">This page is <code>views/home.tpl</code>; the routes are in <code>routes.py</code>.</p>
